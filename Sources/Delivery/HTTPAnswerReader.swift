import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Reads a provider's answer as it arrives on the connection's event loop: the status,
/// `Retry-After`, and the first `limit` bytes of the body (the rest is dropped).
///
/// Delivery sends through the client's delegate interface rather than its async one:
/// the async interface streamed each request's body and answer through tasks of their
/// own, and cost 15–37% more of the server's CPU per push in a queue drained to a
/// webhook (alternated runs).
final class HTTPAnswerReader: HTTPClientResponseDelegate, @unchecked Sendable {
    // Unchecked: the client calls a delegate on one event loop, one call at a time.
    private let limit: Int
    private var status = 0
    private var retryAfter: String?
    private var body: [UInt8] = []

    init(limit: Int) {
        self.limit = limit
    }

    func didReceiveHead(task: HTTPClient.Task<HTTPAnswer>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        retryAfter = head.headers.first(name: "Retry-After")
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<HTTPAnswer>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let room = limit - body.count
        if room > 0 { body.append(contentsOf: buffer.readableBytesView.prefix(room)) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<HTTPAnswer>) throws -> HTTPAnswer {
        HTTPAnswer(status: status, retryAfter: retryAfter, body: body)
    }
}
