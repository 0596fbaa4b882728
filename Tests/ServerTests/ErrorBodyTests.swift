import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
@testable import Server
import XCTest

/// Errors leave in the protocol's shape, `{"code": N, "error": "..."}`, as JSON.
final class ErrorBodyTests: XCTestCase {
    func testUnknownFunctionIs404InTheProtocolsWords() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            for prefix in FunctionRoutes.prefixes {
                let response = try await server.call("_nope", json: HookBody.seed, prefix: prefix)
                XCTAssertEqual(response.status, .notFound, prefix)
                XCTAssertEqual(response.headers[.contentType], "application/json", prefix)
                XCTAssertEqual(response.text, #"{"code":404,"error":"cloud func named '_nope' not found."}"#, prefix)
            }
        }
    }

    func testUnknownFunctionIs404WhenUnsecured() async throws {
        try await withServer(try makeConfiguration()) { server in
            let response = try await server.call("_nope", json: [:])
            XCTAssertEqual(response.status, .notFound)
            XCTAssertEqual(response.text, #"{"code":404,"error":"cloud func named '_nope' not found."}"#)
        }
    }

    func testUnknownFunctionWithoutCredentialsIs401() async throws {
        // Who may call is decided before anything about the host's functions is told.
        try await withServer(try makeConfiguration(secured: true)) { server in
            let response = try await server.call("_nope", json: [:], headers: [:])
            XCTAssertEqual(response.status, .unauthorized)
            XCTAssertEqual(response.text, #"{"code":401,"error":"Unauthorized."}"#)
        }
    }

    /// A failure of the service tells the caller a request id and nothing else; the log has
    /// the detail under that id.
    func testInternalErrorsAreNotEchoedButLoggedUnderARequestID() async throws {
        struct StorageFailure: Error, CustomStringConvertible {
            var description: String { "disk I/O error at /var/lib/pushcompose/state.sqlite" }
        }
        let log = LogRecorder()
        let logger = Logger(label: "test") { _ in log }
        let router = Router()
        router.add(middleware: JSONErrorMiddleware(metrics: ServiceMetrics()))
        router.post("/fail") { _, _ -> Response in throw StorageFailure() }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await application.test(.live) { client in
            let given = try await client.execute(uri: "/fail", method: .post, headers: [RequestIdentifier.header: "trace-42.a:b_c"])
            XCTAssertEqual(given.status, .internalServerError)
            XCTAssertEqual(given.text, #"{"code":141,"error":"internal error, request id trace-42.a:b_c"}"#)
            XCTAssertEqual(given.headers[RequestIdentifier.header], "trace-42.a:b_c")

            for unusable in ["has space", "line\rbreak", String(repeating: "x", count: 129), ""] {
                let response = try await client.execute(uri: "/fail", method: .post, headers: [RequestIdentifier.header: unusable])
                let id = try XCTUnwrap(response.headers[RequestIdentifier.header], unusable)
                XCTAssertNotEqual(id, unusable)
                XCTAssertTrue(RequestIdentifier.isPlainToken(id), id)
                XCTAssertEqual(response.text, #"{"code":141,"error":"internal error, request id \#(id)"}"#)
                XCTAssertFalse(response.text.contains("sqlite"), response.text)
            }
        }
        let errors = log.entries.filter { $0.level == .error }
        XCTAssertEqual(errors.count, 5, "\(log.entries)")
        let first = try XCTUnwrap(errors.first)
        XCTAssertTrue(first.message.contains("trace-42.a:b_c"), first.message)
        XCTAssertTrue(first.message.contains("disk I/O error at /var/lib/pushcompose/state.sqlite"), first.message)
    }

    func testErrorAnswersCarryTheRequestID() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let given = try await server.call("_receiversOffline", json: HookBody.seed, headers: [RequestIdentifier.header: "im-7f3a"])
            XCTAssertEqual(given.status, .unauthorized)
            XCTAssertEqual(given.headers[RequestIdentifier.header], "im-7f3a")
            let made = try await server.call("_nope", json: [:])
            XCTAssertNotNil(made.headers[RequestIdentifier.header])
        }
    }

    func testUnknownRouteAndWrongMethodAreJSONErrors() async throws {
        try await withServer(try makeConfiguration()) { server in
            let missing = try await server.client.execute(uri: "/no/such/route", method: .get)
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(missing.headers[.contentType], "application/json")
            XCTAssertEqual(try missing.json["code"], .number(404))
            XCTAssertNotNil(try missing.json["error"]?.stringValue)

            let get = try await server.client.execute(uri: "/1.1/functions/_receiversOffline", method: .get)
            XCTAssertNotEqual(get.status, .ok)
            XCTAssertEqual(get.headers[.contentType], "application/json")
            XCTAssertEqual(try get.json["code"]?.numberValue, Double(get.status.code))
        }
    }
}

/// A log backend that keeps what is logged, to read back in a test.
final class LogRecorder: LogHandler, Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
    }

    private let stored = NIOLockedValueBox<[Entry]>([])
    private let storedMetadata = NIOLockedValueBox<Logger.Metadata>([:])
    var entries: [Entry] { stored.withLockedValue { $0 } }

    var metadata: Logger.Metadata {
        get { storedMetadata.withLockedValue { $0 } }
        set { storedMetadata.withLockedValue { $0 = newValue } }
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { storedMetadata.withLockedValue { $0[key] } }
        set { storedMetadata.withLockedValue { $0[key] = newValue } }
    }

    func log(event: LogEvent) {
        stored.withLockedValue { $0.append(Entry(level: event.level, message: event.message.description)) }
    }
}
