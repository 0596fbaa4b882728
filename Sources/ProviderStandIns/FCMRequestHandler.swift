import NIOCore
import NIOHTTP1

/// Reads HTTP/1.1 requests on one connection and answers each as the exchange decides.
final class FCMRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let exchange: FCMExchange
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(exchange: FCMExchange) {
        self.exchange = exchange
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head else { return }
            self.head = nil
            answer(head, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers: [String: String] = [:]
        for (name, value) in head.headers {
            let name = name.lowercased()
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        let request = FCMRequest(method: head.method.rawValue, path: head.uri, headers: headers, body: body)
        switch exchange.reply(to: request, on: context.channel) {
        case .respond(let response):
            response.write(to: context.channel, keepAlive: head.isKeepAlive)
        case .dropConnection:
            context.close(promise: nil)
        case .hang:
            break
        }
    }
}
