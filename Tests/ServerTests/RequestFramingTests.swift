import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// Bodies that break HTTP/1.1 framing are the caller's mistake (400), never a failure of
/// the service (500); a body over the limit is refused before it is sent.
final class RequestFramingTests: XCTestCase {
    private static let hookPath = "/1.1/functions/_receiversOffline"

    /// Sends `text` from an authenticated caller (and half-closes when told) and returns the answer.
    private static func answer(_ server: TestServer, _ text: String, halfClose: Bool = false) async throws -> RawResponse? {
        let connection = try await RawConnection.open(port: server.port)
        try await connection.send(text)
        if halfClose { try await connection.closeOutput() }
        let response = await connection.readResponse()
        await connection.close()
        return response
    }

    private static func chunked(_ body: String) -> String {
        RawRequest.head("POST", hookPath, RawRequest.hookCredentials + ["Transfer-Encoding: chunked"]) + body
    }

    func testMalformedBodiesAre400NotInternalErrors() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let json = String(buffer: jsonBody(HookBody.seed))
            let cases: [(String, String, Bool)] = [
                ("truncated body, then half-close",
                 RawRequest.head("POST", Self.hookPath, RawRequest.hookCredentials + ["Content-Length: \(json.utf8.count + 40)"]) + json, true),
                ("chunk size zz", Self.chunked("zz\r\n\(json)\r\n0\r\n\r\n"), false),
                ("no CRLF after a chunk", Self.chunked("5\r\nhelloXX0\r\n\r\n"), false),
                ("Transfer-Encoding: gzip", RawRequest.head("POST", Self.hookPath, RawRequest.hookCredentials + ["Transfer-Encoding: gzip"]) + json, false),
            ]
            for (name, text, halfClose) in cases {
                let response = try await Self.answer(server, text, halfClose: halfClose)
                let answered = try XCTUnwrap(response, "\(name): no answer")
                XCTAssertEqual(answered.status, 400, "\(name): \(answered.body)")
                if !answered.body.isEmpty {
                    XCTAssertEqual(try decodeJSON(answered.body)["code"], .number(400), name)
                    XCTAssertFalse(answered.body.contains("assertion"), "\(name): \(answered.body)")
                }
            }
            let metrics = try await server.client.execute(uri: "/metrics", method: .get).text
            XCTAssertFalse(metrics.contains(#"status="500""#), metrics)
            // Still serving.
            _ = try await server.receiversOffline()
        }
    }

    func testBodyOverTheLimitIsRefusedBeforeItIsSent() async throws {
        var configuration = try makeConfiguration(secured: true)
        configuration.maxBodyBytes = 1000
        try await withServer(configuration) { server in
            for lines in [["Expect: 100-continue", "Content-Length: 1001"], ["Content-Length: 50000000"]] {
                // Only the head is sent; the 413 must come without the body.
                let head = RawRequest.head("POST", Self.hookPath, RawRequest.hookCredentials + lines)
                let answer = try await Self.answer(server, head)
                let response = try XCTUnwrap(answer, "\(lines): no answer before the body")
                XCTAssertEqual(response.status, 413, "\(lines)")
                XCTAssertEqual(try decodeJSON(response.body)["code"], .number(413))
            }
            // Under the limit, the body is read as usual.
            _ = try await server.receiversOffline()
        }
    }
}
