import Foundation
import Hummingbird
import HummingbirdTesting
import PushCompose
@testable import Server
import SQLiteStorage
import XCTest

/// Mutes and names live in the data directory's SQLite file and survive a restart.
final class StatePersistenceTests: XCTestCase {
    func testRestartKeepsMutesAndNames() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken, data: data)

        try await withServer(configuration) { server in
            let client = try await server.admin(.put, "/v1/clients/Tom", json: ["name": "Tom Cat", "locale": "en"])
            XCTAssertEqual(client.status, .ok, client.text)
            let jerry = try await server.admin(.put, "/v1/clients/Jerry", json: ["locale": "zh-Hans"])
            XCTAssertEqual(jerry.status, .ok, jerry.text)
            let conversation = try await server.admin(.put, "/v1/conversations/support-1", json: ["name": "Refunds", "system": true])
            XCTAssertEqual(conversation.status, .ok, conversation.text)
            for (who, muted) in [("Jerry", true), ("Spike", true), ("Spike", false), ("Tyke", true)] {
                let mute = try await server.call("_conversationUpdate", json: ["initBy": who, "convId": "conv-1", "mute": muted])
                XCTAssertEqual(mute.text, #"{"result":{}}"#)
            }
            let named = try await server.call("_conversationUpdate", json: ["initBy": "Tom", "convId": "support-2", "attr": ["name": "Billing"]])
            XCTAssertEqual(named.text, #"{"result":{}}"#)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: data.appendingPathComponent("state.sqlite").path))

        // A new server on the same data directory.
        try await withServer(configuration) { server in
            let tom = try await server.admin(.get, "/v1/clients/Tom")
            XCTAssertEqual(try tom.json, .object(["id": .string("Tom"), "name": .string("Tom Cat"), "locale": .string("en")]))
            let conversation = try await server.admin(.get, "/v1/conversations/conv-1")
            XCTAssertEqual(try conversation.json["mutedBy"]?.stringArray, ["Jerry", "Tyke"])
            let support1 = try await server.admin(.get, "/v1/conversations/support-1")
            XCTAssertEqual(
                try support1.json,
                .object(["id": .string("support-1"), "name": .string("Refunds"), "system": .bool(true), "mutedBy": .array([])]))
            let support2 = try await server.admin(.get, "/v1/conversations/support-2")
            XCTAssertEqual(try support2.json["name"], .string("Billing"))
            XCTAssertTrue(server.server.service.registry.hasMuted(client: "Jerry", conversation: "conv-1"))
            XCTAssertFalse(server.server.service.registry.hasMuted(client: "Spike", conversation: "conv-1"))

            // The names and locales shape the answer after the restart.
            let result = try await server.receiversOffline(HookBody.receiversOffline(conversation: "support-2", content: "hi"))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("[客服] Billing — Tom Cat：hi"))
        }
    }

    /// Ids are stored exactly as given: non-ASCII letters, spaces, `/` and `%` come back
    /// the same after a restart, whether they came through a hook or the admin API's path.
    func testIdsSurviveARestartExactly() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken, data: data)
        let client = "Tom Cat/汤姆 %41%"
        // "e" and a combining accent: Swift compares Strings by canonical equivalence, so the
        // bytes are compared too, to see that nothing was normalised on the way.
        let conversation = "support 客服/%2F?e\u{301}"
        try await withServer(configuration) { server in
            // "Tom Cat/汤姆 %41%", percent-encoded for the path.
            let put = try await server.admin(.put, "/v1/clients/Tom%20Cat%2F%E6%B1%A4%E5%A7%86%20%2541%25", json: ["name": "Thomas"])
            XCTAssertEqual(try put.json["id"], .string(client), put.text)
            let mute = try await server.call("_conversationUpdate", json: ["initBy": client, "convId": conversation, "mute": true])
            XCTAssertEqual(mute.text, #"{"result":{}}"#)
            let named = try await server.call("_conversationUpdate", json: ["initBy": client, "convId": conversation, "attr": ["name": "Desk"]])
            XCTAssertEqual(named.text, #"{"result":{}}"#)
        }
        let stored = try SQLiteStateStore(directory: data)
        let clients = try await stored.loadClients()
        let mutes = try await stored.loadMutes()
        let conversations = try await stored.loadConversations()
        XCTAssertEqual(Array(clients.keys), [client])
        XCTAssertEqual(mutes, [conversation: [client]])
        XCTAssertEqual(conversations, [conversation: ConversationEntry(name: "Desk")])
        XCTAssertEqual(conversations.keys.map { Array($0.utf8) }, [Array(conversation.utf8)])
        XCTAssertEqual(clients.keys.map { Array($0.utf8) }, [Array(client.utf8)])
        try await withServer(configuration) { server in
            XCTAssertEqual(server.server.service.registry.client(client)?.name, "Thomas")
            XCTAssertEqual(server.server.service.registry.mutedClients(conversation: conversation), [client])
            XCTAssertEqual(server.server.service.registry.conversation(conversation)?.name, "Desk")
        }
    }
}
