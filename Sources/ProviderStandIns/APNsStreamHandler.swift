import NIOCore
import NIOHPACK
import NIOHTTP2

/// Reads one HTTP/2 stream's request and answers it as the exchange decides.
final class APNsStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let exchange: APNsExchange
    private let connection: Int
    private var head: HPACKHeaders?
    private var body: [UInt8] = []

    init(exchange: APNsExchange, connection: Int) {
        self.exchange = exchange
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            // Headers after the first are trailers, which APNs requests do not carry.
            if head == nil { head = frame.headers }
            if frame.endStream { answer(context: context) }
        case .data(let frame):
            if case .byteBuffer(let buffer) = frame.data { body.append(contentsOf: buffer.readableBytesView) }
            if frame.endStream { answer(context: context) }
        default:
            break
        }
    }

    private func answer(context: ChannelHandlerContext) {
        var method = ""
        var path = ""
        var headers: [String: String] = [:]
        for (name, value, _) in head ?? [:] {
            switch name {
            case ":method": method = value
            case ":path": path = value
            case _ where name.hasPrefix(":"): continue
            default: headers[name] = headers[name].map { "\($0), \(value)" } ?? value
            }
        }
        let request = APNsRequest(method: method, path: path, headers: headers, body: body, connection: connection)
        switch exchange.reply(to: request, on: context.channel) {
        case .respond(let response):
            let stream = context.channel
            if let delay = exchange.nextAnswerDelay() {
                stream.eventLoop.scheduleTask(in: delay) { response.write(to: stream) }
            } else {
                response.write(to: stream)
            }
        case .dropConnection:
            context.channel.parent?.close(promise: nil)
        case .goAway:
            goAway(context: context)
        case .hang:
            break
        }
    }

    /// GOAWAY naming the stream before this one as the last processed, so the client
    /// knows this request and every later one were not, then the connection closes.
    private func goAway(context: ChannelHandlerContext) {
        guard let connection = context.channel.parent,
            let streamID = try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)
        else { return }
        let lastStreamID = Int(streamID) > 2 ? HTTP2StreamID(Int(streamID) - 2) : .rootStream
        let frame = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil))
        connection.writeAndFlush(frame).whenComplete { _ in connection.close(promise: nil) }
    }
}
