import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// `_conversationUpdate` (mutes, names) and `_clientOnline` / `_clientOffline`.
final class ConversationUpdateTests: XCTestCase {
    func testMuteAndUnmuteAreAnsweredWithAnEmptyResultAndRecorded() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let mute = try await server.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": true])
            XCTAssertEqual(mute.status, .ok)
            XCTAssertEqual(mute.headers[.contentType], "application/json")
            XCTAssertEqual(mute.text, #"{"result":{}}"#)
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Spike", "convId": "conv-1", "mute": true])
            XCTAssertTrue(server.server.service.registry.hasMuted(client: "Jerry", conversation: "conv-1"))

            var conversation = try await server.admin(.get, "/v1/conversations/conv-1")
            XCTAssertEqual(conversation.status, .ok, conversation.text)
            XCTAssertEqual(try conversation.json["mutedBy"]?.stringArray, ["Jerry", "Spike"])

            let unmute = try await server.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": false])
            XCTAssertEqual(unmute.text, #"{"result":{}}"#)
            XCTAssertFalse(server.server.service.registry.hasMuted(client: "Jerry", conversation: "conv-1"))
            conversation = try await server.admin(.get, "/v1/conversations/conv-1")
            XCTAssertEqual(try conversation.json["mutedBy"]?.stringArray, ["Spike"])
        }
    }

    func testTheAuditNamesMutedReceiversWhomTheAnswerDoesNotForce() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": true])
            _ = try await server.receiversOffline(HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("hi")))
            let records = try await server.auditRecords()
            XCTAssertEqual(records.last?["mutedUnforced"]?.stringArray, ["Jerry"])
            XCTAssertEqual(records.last?["muted"]?.stringArray, ["Jerry"])
            // In the request's order, whoever else is called.
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Tyke", "convId": "conv-1", "mute": true])
            _ = try await server.receiversOffline(HookBody.receiversOffline(to: ["Tyke", "Spike", "Jerry"], content: HookBody.text("hi")))
            let next = try await server.auditRecords().last
            XCTAssertEqual(next?["muted"]?.stringArray, ["Tyke", "Jerry"])
        }
    }

    func testAttrNameIsLearnedAndUsedBySupportTemplate() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let update = try await server.call(
                "_conversationUpdate", json: ["initBy": "Tom", "convId": "support-42", "attr": ["name": "Billing desk", "color": "red"]])
            XCTAssertEqual(update.status, .ok)
            XCTAssertEqual(update.text, #"{"result":{}}"#)

            let conversation = try await server.admin(.get, "/v1/conversations/support-42")
            XCTAssertEqual(conversation.status, .ok, conversation.text)
            XCTAssertEqual(try conversation.json["name"], .string("Billing desk"))
            XCTAssertEqual(try conversation.json["id"], .string("support-42"))

            let result = try await server.receiversOffline(
                HookBody.receiversOffline(conversation: "support-42", content: HookBody.text("my invoice")))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("[Support] Billing desk — Tom: my invoice"))
        }
    }

    func testSupportTemplateFallsBackToTheConversationId() async throws {
        try await withServer(try makeConfiguration()) { server in
            let result = try await server.receiversOffline(
                HookBody.receiversOffline(conversation: "support-9", content: HookBody.text("help")))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("[Support] support-9 — Tom: help"))
        }
    }

    func testLearningANameKeepsTheSystemFlag() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let put = try await server.admin(.put, "/v1/conversations/sys-1", json: ["system": true])
            XCTAssertEqual(put.status, .ok, put.text)
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Tom", "convId": "sys-1", "attr": ["name": "News"]])
            let conversation = try await server.admin(.get, "/v1/conversations/sys-1")
            XCTAssertEqual(try conversation.json["name"], .string("News"))
            XCTAssertEqual(try conversation.json["system"], .bool(true))
        }
    }

    func testAnEmptyNameClearsItAndTemplatesFallBackToTheId() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Tom", "convId": "support-8", "attr": ["name": "Desk"]])
            let named = try await server.receiversOffline(HookBody.receiversOffline(conversation: "support-8", content: "hi"))
            XCTAssertEqual(try pushMessage(of: named)["alert"], .string("[Support] Desk — Tom: hi"))

            _ = try await server.call("_conversationUpdate", json: ["initBy": "Tom", "convId": "support-8", "attr": ["name": ""]])
            let conversation = try await server.admin(.get, "/v1/conversations/support-8")
            XCTAssertEqual(try conversation.json["name"], .null)
            let cleared = try await server.receiversOffline(HookBody.receiversOffline(conversation: "support-8", content: "hi"))
            XCTAssertEqual(try pushMessage(of: cleared)["alert"], .string("[Support] support-8 — Tom: hi"))
        }
    }

    func testAttrWithoutNameChangesNothing() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let update = try await server.call("_conversationUpdate", json: ["initBy": "Tom", "convId": "conv-2", "attr": ["color": "red"]])
            XCTAssertEqual(update.text, #"{"result":{}}"#)
            let conversation = try await server.admin(.get, "/v1/conversations/conv-2")
            XCTAssertEqual(conversation.status, .notFound)
        }
    }

    func testClientOnlineAndOfflineAreAnsweredAndCounted() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let online = try await server.call("_clientOnline", json: ["peerId": "Jerry", "sourceIP": "10.0.0.1", "tag": "mobile", "reconnect": false])
            XCTAssertEqual(online.status, .ok)
            XCTAssertEqual(online.text, #"{"result":{}}"#)
            _ = try await server.call("_clientOnline", json: ["peerId": "Spike", "sourceIP": "10.0.0.2", "tag": "", "reconnect": true])
            let offline = try await server.call(
                "_clientOffline",
                json: ["peerId": "Jerry", "closeCode": 1, "closeMsg": "bye", "sourceIP": "10.0.0.1", "tag": "mobile", "errorCode": 0, "errorMsg": ""])
            XCTAssertEqual(offline.status, .ok)
            XCTAssertEqual(offline.text, #"{"result":{}}"#)

            let metrics = try await server.client.execute(uri: "/metrics", method: .get).text
            XCTAssertTrue(metrics.contains(#"pushcompose_client_events_total{event="online"} 2"#), metrics)
            XCTAssertTrue(metrics.contains(#"pushcompose_client_events_total{event="offline"} 1"#), metrics)
        }
    }
}
