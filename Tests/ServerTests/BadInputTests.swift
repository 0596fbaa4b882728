import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import Server
import XCTest

/// Bad input (README, "Calling it as the IM server does"): a clear JSON error with the right status, and the service
/// keeps serving (a good call follows each bad one).
final class BadInputTests: XCTestCase {
    /// Sends `body` to `_receiversOffline`, checks the error, then makes a good call.
    private static func assertRefused(
        _ server: TestServer, _ body: ByteBuffer, status: HTTPResponse.Status, error expected: String,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let response = try await server.call("_receiversOffline", body: body)
        XCTAssertEqual(response.status, status, response.text, file: file, line: line)
        XCTAssertEqual(response.headers[.contentType], "application/json", file: file, line: line)
        let json = try response.json
        XCTAssertEqual(json.keys, ["code", "error"], response.text, file: file, line: line)
        XCTAssertEqual(json["code"], .number(Double(status.code)), file: file, line: line)
        XCTAssertEqual(json["error"], .string(expected), file: file, line: line)

        let good = try await server.receiversOffline()
        XCTAssertEqual(try pushMessage(of: good)["alert"], .string("Tom: Holy crap!"), "a good call after the bad one", file: file, line: line)
    }

    func testNotJSON() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            try await Self.assertRefused(server, ByteBuffer(string: "fromPeer=Tom&convId=1"), status: .badRequest, error: "body is not valid JSON")
            try await Self.assertRefused(server, ByteBuffer(string: #"{"fromPeer": "Tom", "#), status: .badRequest, error: "body is not valid JSON")
            try await Self.assertRefused(server, ByteBuffer(), status: .badRequest, error: "body is not valid JSON")
        }
    }

    func testNotAnObject() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            try await Self.assertRefused(server, ByteBuffer(string: #"["Tom"]"#), status: .badRequest, error: "body must be a JSON object of parameters")
        }
    }

    func testWrongTypesNameTheField() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            var body = HookBody.seed
            body["offlinePeers"] = "Jerry"
            try await Self.assertRefused(server, jsonBody(body), status: .badRequest, error: "parameter 'offlinePeers' must be an array of strings")

            body = HookBody.seed
            body["offlinePeers"] = ["Jerry", 7]
            try await Self.assertRefused(server, jsonBody(body), status: .badRequest, error: "parameter 'offlinePeers' must be an array of strings")

            body = HookBody.seed
            body["content"] = 42
            try await Self.assertRefused(server, jsonBody(body), status: .badRequest, error: "parameter 'content' must be a string")

            body = HookBody.seed
            body["mentionAll"] = "yes"
            try await Self.assertRefused(server, jsonBody(body), status: .badRequest, error: "parameter 'mentionAll' must be a boolean")

            body = HookBody.seed
            body.removeValue(forKey: "fromPeer")
            try await Self.assertRefused(server, jsonBody(body), status: .badRequest, error: "missing parameter 'fromPeer'")
        }
    }

    func testWrongTypeInConversationUpdate() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let response = try await server.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": "yes"])
            XCTAssertEqual(response.status, .badRequest)
            XCTAssertEqual(response.text, #"{"code":400,"error":"parameter 'mute' must be a boolean"}"#)
            _ = try await server.receiversOffline()
        }
    }

    func testInvalidUTF8() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            // A valid body but for two bytes that are no UTF-8, inside the content string.
            var bytes = Array(#"{"fromPeer":"Tom","convId":"conv-1","offlinePeers":["Jerry"],"content":"hi "#.utf8)
            bytes += [0xC3, 0x28, 0xFF]
            bytes += Array(#""}"#.utf8)
            try await Self.assertRefused(server, ByteBuffer(bytes: bytes), status: .badRequest, error: "body is not valid UTF-8")
            // And outside any string.
            try await Self.assertRefused(server, ByteBuffer(bytes: [0x7B, 0xFE, 0x7D]), status: .badRequest, error: "body is not valid UTF-8")
        }
    }

    func testBodyOverTheLimitIs413() async throws {
        var configuration = try makeConfiguration(secured: true)
        configuration.maxBodyBytes = 512
        try await withServer(configuration) { server in
            let big = HookBody.receiversOffline(content: HookBody.text(String(repeating: "x", count: 2000)))
            try await Self.assertRefused(server, jsonBody(big), status: .contentTooLarge, error: "body is larger than the limit of 512 bytes")
        }
    }

    func testTooManyPeers() async throws {
        var configuration = try makeConfiguration(secured: true)
        configuration.maxPeers = 3
        try await withServer(configuration) { server in
            let crowd = HookBody.receiversOffline(to: ["a", "b", "c", "d"], content: "hi")
            try await Self.assertRefused(server, jsonBody(crowd), status: .badRequest, error: "offlinePeers lists 4 receivers, more than the limit of 3")
            let mentions = HookBody.receiversOffline(to: ["a"], content: "hi", mentioned: ["a", "b", "c", "d"])
            try await Self.assertRefused(server, jsonBody(mentions), status: .badRequest, error: "mentionOfflinePeers lists 4 receivers, more than the limit of 3")
            // At the limit is fine.
            let result = try await server.receiversOffline(HookBody.receiversOffline(to: ["a", "b", "c"], content: "hi"))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: hi"))
        }
    }

    func testMalformedIdsNameTheParameter() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let long = String(repeating: "x", count: 257)
            let cases: [(field: String, value: Any, error: String)] = [
                ("fromPeer", "Tom\u{0}Cat", "parameter 'fromPeer' must not contain control characters (found U+0000)"),
                ("convId", "conv-1\n", "parameter 'convId' must not contain control characters (found U+000A)"),
                ("convId", long, "parameter 'convId' is 257 bytes long, more than the limit of 256 UTF-8 bytes"),
                ("offlinePeers", ["Jerry", "Spike\u{7F}"], "parameter 'offlinePeers[1]' must not contain control characters (found U+007F)"),
                ("mentionOfflinePeers", ["\u{85}Jerry"], "parameter 'mentionOfflinePeers[0]' must not contain control characters (found U+0085)"),
            ]
            for (field, value, error) in cases {
                var body = HookBody.seed
                body[field] = value
                try await Self.assertRefused(server, jsonBody(body), status: .badRequest, error: error)
            }
        }
    }

    func testBadInputIsAuditedAndCounted() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            _ = try await server.call("_receiversOffline", body: ByteBuffer(string: "nope"))
            let records = try await server.auditRecords()
            let rejected = try XCTUnwrap(records.last)
            XCTAssertEqual(rejected["function"], .string("_receiversOffline"))
            XCTAssertEqual(rejected["status"], .number(400))
            XCTAssertEqual(rejected["error"], .string("body is not valid JSON"))
            let metrics = try await server.client.execute(uri: "/metrics", method: .get).text
            XCTAssertTrue(metrics.contains(#"pushcompose_hook_answers_total{kind="error"} 1"#), metrics)
        }
    }
}
