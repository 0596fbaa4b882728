import Foundation
import HummingbirdTesting
import NIOCore
@testable import Server
import XCTest

/// An id is what it says: ids with control characters or over the length limit are
/// refused with a 400 naming the parameter, at every entry point, and nothing is stored.
final class IdentifierValidationTests: XCTestCase {
    func testConversationUpdateWithANULInItsIdRenamesNothing() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken, data: data)
        try await withServer(configuration) { server in
            let named = try await server.call("_conversationUpdate", json: ["initBy": "Tom", "convId": "support-1", "attr": ["name": "Billing"]])
            XCTAssertEqual(named.text, #"{"result":{}}"#)
            // Stored with the NUL, this id was cut to "support-1" and renamed it after a restart.
            let evil = try await server.call(
                "_conversationUpdate", json: ["initBy": "Tom", "convId": "support-1\u{0}evil", "attr": ["name": "Pwned"]])
            XCTAssertEqual(evil.status, .badRequest)
            XCTAssertEqual(evil.text, #"{"code":400,"error":"parameter 'convId' must not contain control characters (found U+0000)"}"#)
            let ghost = try await server.call("_conversationUpdate", json: ["initBy": "Jerry\u{0}ghost", "convId": "conv-1", "mute": true])
            XCTAssertEqual(ghost.text, #"{"code":400,"error":"parameter 'initBy' must not contain control characters (found U+0000)"}"#)
            let records = try await server.auditRecords()
            XCTAssertEqual(records.last?["error"], .string("parameter 'initBy' must not contain control characters (found U+0000)"))
        }
        try await withServer(configuration) { server in
            XCTAssertEqual(server.server.service.registry.conversation("support-1")?.name, "Billing")
            XCTAssertEqual(server.server.service.registry.mutedClients(conversation: "conv-1"), [])
            let conversation = try await server.admin(.get, "/v1/conversations/support-1")
            XCTAssertEqual(try conversation.json["name"], .string("Billing"))
        }
    }

    func testClientEventsRefuseAMalformedPeerId() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            for function in ["_clientOnline", "_clientOffline"] {
                let response = try await server.call(function, json: ["peerId": "Jerry\u{1B}[2J"])
                XCTAssertEqual(response.status, .badRequest, function)
                XCTAssertEqual(response.text, #"{"code":400,"error":"parameter 'peerId' must not contain control characters (found U+001B)"}"#)
                let good = try await server.call(function, json: ["peerId": "Jerry"])
                XCTAssertEqual(good.text, #"{"result":{}}"#)
            }
            let metrics = try await server.client.execute(uri: "/metrics", method: .get).text
            XCTAssertTrue(metrics.contains(#"pushcompose_client_events_total{event="online"} 1"#), metrics)
        }
    }

    func testThePreviewRefusesAMalformedId() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let body = HookBody.receiversOffline(to: ["Jerry", String(repeating: "j", count: 300)], content: "hi")
            let response = try await server.admin(.post, "/v1/render", json: body)
            XCTAssertEqual(response.status, .badRequest)
            XCTAssertEqual(
                response.text, #"{"code":400,"error":"parameter 'offlinePeers[1]' is 300 bytes long, more than the limit of 256 UTF-8 bytes"}"#)
        }
    }

    func testTheRenderCommandRefusesAMalformedId() throws {
        let file = try makeTemporaryDirectory().appendingPathComponent("nul.json")
        try Data(jsonBody(HookBody.receiversOffline(from: "Tom\u{0}Cat", content: "hi")).readableBytesView).write(to: file)
        let run = try CLITests.run(["render", "--templates", Repository.templates.path, file.path])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.contains("nul.json: parameter 'fromPeer' must not contain control characters (found U+0000)"), run.stderr)
    }
}
