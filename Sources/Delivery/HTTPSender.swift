import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL

/// Sends one provider request and reads its answer into an outcome. A connection error
/// or a timeout is an outcome (retry), never a thrown error.
struct HTTPSender: Sendable {
    let client: HTTPClient
    let timeout: Duration
    let clock: any DeliveryClock
    /// For a provider that trusts other certificate authorities than the system's.
    var tls: TLSConfiguration? = nil

    /// Most bytes of an answer's body kept; the rest is not needed for a reason (an
    /// endpoint that never ends its answer is cut off at the timeout).
    static let maxAnswerBytes = 64 * 1024

    /// What became of one request: the endpoint's answer, or the failure that kept it
    /// from answering (a connection error, a timeout) as an outcome to retry.
    enum Exchange: Sendable {
        case answered(HTTPAnswer)
        case failed(DeliveryOutcome, connectionLost: Bool)
    }

    /// POSTs `body` to `url`; `read` turns a 2xx answer into an outcome when the
    /// provider needs more than its status (nil: the status alone decides).
    func post(
        url: String, headers: HTTPHeaders, body: [UInt8],
        read: (@Sendable (HTTPAnswer) -> DeliveryOutcome)? = nil
    ) async -> DeliveryOutcome {
        switch await exchange(url: url, headers: headers, body: body) {
        case .answered(let answer):
            if let read, (200..<300).contains(answer.status) { return read(answer) }
            return answer.outcome(now: clock.now())
        case .failed(let outcome, _):
            return outcome
        }
    }

    /// POSTs `body` to `url` and reads the answer, whatever its status. Cancelling the
    /// calling task cancels the request (the shutdown deadline).
    func exchange(url: String, headers: HTTPHeaders, body: [UInt8], contentType: String = "application/json") async -> Exchange {
        do {
            var headers = headers
            headers.replaceOrAdd(name: "Content-Type", value: contentType)
            var request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .bytes(body))
            request.tlsConfiguration = tls
            let task = client.execute(
                request: request, delegate: HTTPAnswerReader(limit: Self.maxAnswerBytes), deadline: .now() + .nanoseconds(timeout.nanoseconds))
            let answer = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            return .answered(answer)
        } catch {
            return .failed(.retry(status: nil, reason: Self.reason(for: error), retryAfter: nil), connectionLost: Self.isConnectionLost(error))
        }
    }

    /// The connection closed or went away under the request (a dropped connection, an
    /// HTTP/2 GOAWAY that cancels the stream): unlike a timeout, sending again at once on
    /// a new connection is likely to work. Not when the sender itself is being cancelled.
    static func isConnectionLost(_ error: any Error) -> Bool {
        guard !Task.isCancelled else { return false }
        if let error = error as? HTTPClientError {
            // An HTTP/2 connection that closes under its streams fails them as cancelled.
            return error == .remoteConnectionClosed || error == .cancelled
        }
        if let error = error as? ChannelError { return error == .eof || error == .ioOnClosedChannel || error == .alreadyClosed }
        return error is NIOHTTP2Errors.StreamClosed
    }

    static func reason(for error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout: return "timeout"
            case .remoteConnectionClosed: return "connection closed by the endpoint"
            default: return HTTPAnswer.bounded("HTTP client error: \(error)")
            }
        }
        if let error = error as? IOError, let name = Self.connectionErrorNames[error.errnoCode] {
            return "connection error: \(name)"
        }
        return HTTPAnswer.bounded("connection error: \(error)")
    }

    /// The connection errors an endpoint that is down or unreachable causes, by name:
    /// NIO's own text for them is long and repeats itself ("connection reset (error
    /// set): Connection refused) (errno: 111)").
    private static let connectionErrorNames: [CInt: String] = [
        ECONNREFUSED: "connection refused", ECONNRESET: "connection reset", ETIMEDOUT: "connection timed out",
        EHOSTUNREACH: "host unreachable", ENETUNREACH: "network unreachable", EPIPE: "connection closed",
    ]
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension HTTPClient {
    /// A client for the providers: redirects are not followed (a provider that answers
    /// 3xx is refused with its answer), connections are pooled per host. The caller
    /// shuts it down after the workers stop.
    /// - Parameters:
    ///   - connectionsPerHost: HTTP/1.1 connections kept to one host: the most attempts a
    ///     provider runs at once, so that none waits for a connection.
    ///   - threads: the loops its connections live on; nil: NIO's shared ones.
    public static func makeForDelivery(connectTimeout: Duration = .seconds(10), connectionsPerHost: Int = 8, threads: DeliveryThreads? = nil) -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .nanoseconds(connectTimeout.nanoseconds))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        // A refused connection fails the attempt at once; the queue's backoff retries it
        // (the pool's own retries held a worker slot until the connect timeout).
        configuration.connectionPool.retryConnectionEstablishment = false
        // No tracing: with none bootstrapped, the client still made a no-op span and
        // its attributes for every request (about 3% of delivery's CPU).
        configuration.tracing.tracer = nil
        if let threads { return HTTPClient(eventLoopGroupProvider: .shared(threads.group), configuration: configuration) }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
