import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import XCTest

/// An app's webhook endpoint on a real loopback socket: it checks each push's
/// `X-PushCompose-Signature` (hex HMAC-SHA256 over `timestamp + "." + body`, compared in
/// constant time), records every push it accepts, duplicates included, and answers with
/// `answer`'s status after `delay`. A push with a bad signature is answered 401 and
/// counted in `refused`.
final class WebhookStandIn: Sendable {
    static let secret = "webhook-secret-for-tests"
    static let path = "/push"

    /// One push as the endpoint received it.
    struct Push: Sendable {
        var pushId: String
        var hookCallId: String
        var receiver: String
        var token: String
        var payload: JSON
    }

    private struct Waiter {
        var id: Int
        var isMet: @Sendable ([Push]) -> Bool
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var received: [Push] = []
        var refused = 0
        var waiters: [Waiter] = []
        var nextWaiter = 0
    }

    private let delay: @Sendable () -> Duration
    private let answer: @Sendable (Push) -> HTTPResponse.Status
    private let state = Mutex(State())

    /// - Parameters:
    ///   - delay: how long the endpoint takes to answer each push.
    ///   - answer: the status for a push; 200 by default.
    init(delay: @escaping @Sendable () -> Duration = { .zero }, answer: @escaping @Sendable (Push) -> HTTPResponse.Status = { _ in .ok }) {
        self.delay = delay
        self.answer = answer
    }

    /// Every push received so far, in order of arrival.
    var received: [Push] { state.withLock { $0.received } }
    /// Pushes refused for a missing or wrong signature.
    var refused: Int { state.withLock { $0.refused } }

    /// Returns true once `isMet` holds for the pushes received, false after `timeout`.
    func wait(timeout: Duration = .seconds(30), until isMet: @escaping @Sendable ([Push]) -> Bool) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
            let met = await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if isMet(state.received) { return true }
                    state.waiters.append(Waiter(id: id, isMet: isMet, continuation: continuation))
                    return false
                }
                if now { continuation.resume(returning: true) }
            }
            group.cancelAll()
            return met
        }
    }

    /// Waits for `count` pushes and returns them, failing the test when they do not come.
    func pushes(_ count: Int, file: StaticString = #filePath, line: UInt = #line) async -> [Push] {
        let arrived = await wait { $0.count >= count }
        if !arrived { XCTFail("\(count) pushes awaited, \(received.count) arrived", file: file, line: line) }
        return received
    }

    private func expire(_ id: Int) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: false)
    }

    private func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let timestamp = request.headers[HTTPField.Name("X-PushCompose-Timestamp")!],
              let signature = request.headers[HTTPField.Name("X-PushCompose-Signature")!],
              WebhookSignature(secret: Self.secret).isValid(signature, timestamp: timestamp, body: Array(buffer: body))
        else {
            state.withLock { $0.refused += 1 }
            return Response(status: .unauthorized)
        }
        let json = try decodeJSON(body)
        let push = Push(
            pushId: json["pushId"]?.stringValue ?? "", hookCallId: json["hookCallId"]?.stringValue ?? "",
            receiver: json["receiver"]?.stringValue ?? "", token: json["device"]?["token"]?.stringValue ?? "",
            payload: json["payload"] ?? .null)
        let met = state.withLock { state -> [Waiter] in
            state.received.append(push)
            let met = state.waiters.filter { $0.isMet(state.received) }
            state.waiters.removeAll { waiter in met.contains { $0.id == waiter.id } }
            return met
        }
        for waiter in met { waiter.continuation.resume(returning: true) }
        let delay = delay()
        if delay > .zero { try await Task.sleep(for: delay) }
        return Response(status: answer(push), body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
    }

    /// Serves on 127.0.0.1 while `body` runs, with the webhook URL; on `port`, or a free
    /// one when it is 0 (a test that stops the endpoint starts it again on the same port).
    func serve<T: Sendable>(port: Int = 0, _ body: (_ url: String, _ port: Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post(RouterPath(Self.path)) { request, _ in try await self.handle(request) }
        var logger = Logger(label: "webhook-stand-in")
        logger.logLevel = .critical
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in bound.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let server = Task {
            defer { bound.finish() }
            try await application.run()
        }
        defer { server.cancel() }
        guard let port = await ports.first(where: { _ in true }) else {
            try await server.value  // the reason it did not start
            throw StandInError(description: "the webhook stand-in stopped before listening")
        }
        let result = try await body("http://127.0.0.1:\(port)\(Self.path)", port)
        server.cancel()
        _ = await server.result
        return result
    }
}

struct StandInError: Error, CustomStringConvertible {
    var description: String
}
