import Hummingbird
import HummingbirdTesting
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
