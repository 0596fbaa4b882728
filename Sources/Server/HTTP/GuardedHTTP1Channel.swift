import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// HTTP/1.1 as Hummingbird serves it, with every connection under a `ConnectionGuard`:
/// a handler before the HTTP decoder sees a request's first byte, one after it sees the
/// request end and the response end.
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
    let responder: HTTPChannelHandler.Responder
    let connectionGuard: ConnectionGuard

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let progress: NIOLoopBound<RequestProgressHandler>
        do {
            let connection = connectionGuard.admit(channel)
            try channel.pipeline.syncOperations.addHandler(RequestStartHandler(connection: connection))
            progress = NIOLoopBound(RequestProgressHandler(connection: connection), eventLoop: channel.eventLoop)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let http = HTTP1Channel(responder: responder, configuration: .init(additionalChannelHandlers: [progress.value]))
        return http.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with connections under `connectionGuard`.
    static func guardedHTTP1(_ connectionGuard: ConnectionGuard) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in GuardedHTTP1Channel(responder: responder, connectionGuard: connectionGuard) }
    }
}
