import NIOCore
import NIOHTTPTypes

/// First in a connection's pipeline, before the HTTP decoder: notes when a request's first
/// byte arrives (its read deadline starts there), and when the connection closes.
final class RequestStartHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let connection: TrackedConnection

    init(connection: TrackedConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if connection.requestStarted == nil { connection.requestStarted = connection.loop.now }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.loop.remove(connection)
        context.fireChannelInactive()
    }
}

/// After the HTTP decoder: notes when a request has been read whole and when its response ends.
final class RequestProgressHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    private let connection: TrackedConnection

    init(connection: TrackedConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: connection.openResponses += 1
        case .body: break
        case .end: connection.requestStarted = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            // The server also answers requests it could not decode, which had no head here.
            connection.openResponses = max(0, connection.openResponses - 1)
            connection.lastActivity = connection.loop.now
            connection.answered = true
        }
        context.write(data, promise: promise)
    }
}
