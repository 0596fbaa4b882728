import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PushCompose
import Synchronization
import XCTest

/// A local HTTP server on a real loopback socket that stands in for a provider's
/// endpoint: it checks each request (`check` returns the problems found; a request with
/// problems is answered 401 with them), records it, and answers from a script, one
/// answer per request, then `200 {}`.
final class StandInServer: Sendable {
    enum Answer: Sendable {
        case status(Int, body: String = "", retryAfter: String? = nil, location: String? = nil)
        /// Holds the request until `releaseHung()`, then answers 200.
        case hang
    }

    struct Received: Sendable {
        var headers: [String: String]
        var body: [UInt8]
        var json: JSONValue?
        var time: Date
        /// What `check` found wrong; empty when the request was right.
        var problems: [String]
    }

    private struct State {
        var script: [Answer] = []
        var received: [Received] = []
    }

    let path: String
    private let clock: any DeliveryClock
    private let check: @Sendable (_ headers: [String: String], _ body: [UInt8]) -> [String]
    private let state = Mutex(State())
    private let awaiter = Awaiter()
    /// `.hang` answers wait here until `releaseHung()`.
    private let hung = Gate(closed: true)

    init(path: String, clock: any DeliveryClock, check: @escaping @Sendable (_ headers: [String: String], _ body: [UInt8]) -> [String]) {
        self.path = path
        self.clock = clock
        self.check = check
    }

    /// Answers to give, in order, before answering 200.
    func script(_ answers: [Answer]) {
        state.withLock { $0.script.append(contentsOf: answers) }
    }

    var received: [Received] { state.withLock { $0.received } }

    /// Returns once `count` requests have arrived (fails the test after a long while).
    func waitForRequests(_ count: Int, file: StaticString = #filePath, line: UInt = #line) async {
        let arrived = await awaiter.wait { self.received.count >= count }
        if !arrived { XCTFail("\(count) requests awaited, \(received.count) arrived", file: file, line: line) }
    }

    /// Answers every hung request, and every later `.hang` at once.
    func releaseHung() {
        hung.open()
    }

    private func handle(_ request: Request) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
        let problems = check(headers, body)
        let received = Received(headers: headers, body: body, json: try? JSONParser.parse(body), time: clock.now(), problems: problems)
        let answer = state.withLock { state -> Answer in
            state.received.append(received)
            guard problems.isEmpty else { return .status(401, body: problems.joined(separator: "; ")) }
            return state.script.isEmpty ? .status(200, body: "{}") : state.script.removeFirst()
        }
        awaiter.changed()
        switch answer {
        case .status(let status, let text, let retryAfter, let location):
            var fields = HTTPFields()
            if let retryAfter { fields[.retryAfter] = retryAfter }
            if let location { fields[.location] = location }
            return Response(status: .init(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        case .hang:
            await hung.pass()
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
    }

    /// Serves on 127.0.0.1 (a free port) while `body` runs, with the base URL.
    func serve<T: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> T) async throws -> T {
        let router = Router()
        router.post(RouterPath(path)) { request, _ in try await self.handle(request) }
        var logger = Logger(label: "stand-in")
        logger.logLevel = .critical
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await application.test(.live) { client in
            // Hung requests are answered before the server shuts down, which waits for them.
            defer { self.releaseHung() }
            return try await body("http://127.0.0.1:\(client.port!)")
        }
    }
}
