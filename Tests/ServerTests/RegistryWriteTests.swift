import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PushCompose
@testable import Server
import SQLiteStorage
import XCTest

/// Registry writes wait for the database without holding a thread, and concurrent writes
/// land in memory and in the store in the same order.
final class RegistryWriteTests: XCTestCase {
    func testConcurrentMutesLeaveMemoryAndStoreAlike() async throws {
        // Tasks flipping the same pair: which write is last is a race each round, and
        // memory must agree with the store on it.
        try await assertConcurrentWritesAgree { registry, index in
            try await registry.setMuted(index % 2 == 0, client: "Jerry", conversation: "conv-1")
        } memoryAndStore: { registry, store in
            (registry.mutedClients(conversation: "conv-1"), try await store.loadMutes()["conv-1"] ?? [])
        }
    }

    func testConcurrentNamesLeaveMemoryAndStoreAlike() async throws {
        try await assertConcurrentWritesAgree { registry, index in
            if index % 2 == 0 {
                try await registry.learnConversationName("learned \(index)", conversation: "support-1")
            } else {
                try await registry.setConversation("support-1", ConversationEntry(name: "set \(index)", system: index == 1))
            }
        } memoryAndStore: { registry, store in
            (registry.conversation("support-1"), try await store.loadConversations()["support-1"])
        }
    }

    /// 100 rounds of 6 concurrent `write`s; after each, what memory holds equals what a
    /// second connection reads from the store, as a restart would.
    private func assertConcurrentWritesAgree<Value: Equatable>(
        _ write: @escaping @Sendable (Registry, Int) async throws -> Void,
        memoryAndStore: (Registry, SQLiteStateStore) async throws -> (Value, Value)
    ) async throws {
        let data = try makeTemporaryDirectory()
        let registry = try await Registry(store: try SQLiteStateStore(directory: data))
        let reopened = try SQLiteStateStore(directory: data)
        for round in 0..<100 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<6 {
                    group.addTask { try await write(registry, index) }
                }
                try await group.waitForAll()
            }
            let (memory, store) = try await memoryAndStore(registry, reopened)
            XCTAssertEqual(memory, store, "round \(round)")
        }
    }

    /// Another connection holds the database's write lock; mutes wait for it, and hook
    /// calls are answered meanwhile, however many mutes wait (more than the cooperative
    /// pool has threads: a waiting write that held a thread would stall every call).
    func testAWaitingWriteDoesNotStallHooks() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let configuration = try makeConfiguration(secured: true, data: data)
        try await withServer(configuration) { server in
            var holderConfiguration = Configuration()
            holderConfiguration.allowsUnsafeTransactions = true
            let holder = try DatabaseQueue(path: SQLiteStateStore.file(in: data).path, configuration: holderConfiguration)
            try holder.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }

            let port = try XCTUnwrap(server.client.port)
            let waiting = ProcessInfo.processInfo.activeProcessorCount * 2 + 2
            let mutes = Task {
                try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for index in 0..<waiting {
                        group.addTask {
                            // A connection each: one connection's requests are answered in turn.
                            let client = TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(60)))
                            client.connect()
                            let response = try await client.execute(.init(
                                "/1.1/functions/_conversationUpdate", method: .post, headers: server.hookHeaders,
                                body: jsonBody(["initBy": "client-\(index)", "convId": "conv-1", "mute": true])))
                            try await client.shutdown()
                            return response.head.status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }

            for _ in 0..<10 {
                let result = try await server.receiversOffline()
                XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: Holy crap!"))
            }
            // Nothing can have been written while the lock is held.
            XCTAssertEqual(server.server.service.registry.mutedClients(conversation: "conv-1"), [])

            try holder.inDatabase { try $0.execute(sql: "COMMIT") }
            let statuses = try await mutes.value
            XCTAssertEqual(statuses, Array(repeating: .ok, count: waiting))
            XCTAssertEqual(server.server.service.registry.mutedClients(conversation: "conv-1").count, waiting)
        }
    }
}
