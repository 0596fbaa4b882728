import Delivery
import Foundation
import HummingbirdTesting
import Logging
import NIOCore
import PostgresCluster
import PostgresStorage
@testable import Server
import Synchronization
import XCTest

/// Three `pushcompose serve` processes on one PostgreSQL database and one webhook
/// endpoint. Hook calls spread across the three queue at least 10,000 pushes; one
/// instance is killed with SIGKILL mid-run and another stopped gracefully. Every queued
/// push reaches the endpoint; a push arrives twice only if it was leased by the killed
/// instance when it died, and no push was attempted by two instances otherwise.
final class MultiInstanceTests: XCTestCase {
    static let receivers = 250
    static let mentionedPerCall = 50
    static let calls = 204
    static let concurrency = 8
    static let instances = ["one", "two", "three"]

    func testThreeInstancesShareTheQueueAndOneKilledLosesNothing() async throws {
        let url = try PostgresCluster.shared().createDatabase()
        let database = try await PostgresDatabase.open(url: try PostgresURL(url), maxConnections: 4, logger: Logger(label: "test.multi"))
        addTeardownBlock { await database.close() }
        let receivers = (0..<Self.receivers).map { "receiver-\($0)" }
        let devices = PostgresDeviceStore(database: database, instanceId: "test")
        for receiver in receivers {
            _ = try await devices.register(
                DeviceRegistration(clientId: receiver, address: DeviceAddress(provider: .webhook, token: "\(receiver)-phone")), now: Date())
        }
        let queue = PostgresDeliveryQueue(database: database, instanceId: "test")

        // The endpoint answers slowly while the calls are sent, so that a backlog is
        // left for the kill and the stop however fast this machine delivers; then fast.
        // Half a second stays inside the webhook timeout and the lease.
        let sending = SendingFlag()
        let webhook = WebhookStandIn(delay: { sending.isSet ? .milliseconds(500) : .milliseconds(Int64.random(in: 5...20)) })
        try await webhook.serve { webhookURL, _ in
            var servers: [String: ServeChildProcess] = [:]
            var data: [String: URL] = [:]
            for id in Self.instances {
                data[id] = try makeTemporaryDirectory().appendingPathComponent("data")
                servers[id] = try await ServeChildProcess.start(data: data[id]!, environment: [
                    "PUSHCOMPOSE_DATABASE_URL": url, "PUSHCOMPOSE_INSTANCE_ID": id,
                    "PUSHCOMPOSE_WEBHOOK_URL": webhookURL, "PUSHCOMPOSE_WEBHOOK_SECRET": WebhookStandIn.secret,
                    "PUSHCOMPOSE_WEBHOOK_TIMEOUT_SECONDS": "2", "PUSHCOMPOSE_DELIVERY_CONCURRENCY": "\(Self.concurrency)",
                    // The killed instance's jobs come back when their lease ends.
                    "PUSHCOMPOSE_DELIVERY_LEASE_SECONDS": "3", "PUSHCOMPOSE_RETRY_BASE_MILLIS": "50",
                ])
            }
            let running = servers
            defer { for server in running.values { server.send(signal: SIGKILL) } }  // a test that ends early leaves none behind

            // The calls, round robin across the three, three at a time.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, id) in Self.instances.enumerated() {
                    let port = running[id]!.port
                    group.addTask {
                        try await Self.sendCalls(to: port, calls: stride(from: index, to: Self.calls, by: Self.instances.count), receivers: receivers)
                    }
                }
                try await group.waitForAll()
            }
            sending.clear()
            var queued = Set<String>()
            // Each answered call's pushes are in its instance's audit files within the writer's delay.
            try await eventually("every call's pushes are in the audit files", timeout: .seconds(10)) {
                queued = []
                for id in Self.instances { queued.formUnion(try DeliveryCrashTests.queuedPushIds(in: data[id]!)) }
                return queued.count == Self.calls * Self.mentionedPerCall
            }
            let total = queued.count

            let crossed = await webhook.wait { $0.count >= total / 4 }
            XCTAssertTrue(crossed)
            running["three"]!.send(signal: SIGKILL)
            let status = await running["three"]!.waitForExit()
            XCTAssertEqual(status, SIGKILL)
            // What the killed instance held when it died: the only pushes that may repeat.
            let heldByKilled = Set(try await database.leasedPushIds(of: "three"))
            XCTAssertFalse(heldByKilled.isEmpty, "the kill found nothing in flight: the test proves nothing")

            let further = await webhook.wait { $0.count >= total / 2 }
            XCTAssertTrue(further)
            running["two"]!.send(signal: SIGTERM)
            let stopped = await running["two"]!.waitForExit()
            XCTAssertEqual(stopped, 0, "a graceful stop exits 0")
            let beforeLast = Set(webhook.received.map(\.pushId))
            XCTAssertLessThan(beforeLast.count, queued.count, "everything was delivered before the stop: the test proves nothing")

            try await eventually("the queue is empty", timeout: .seconds(120)) {
                let counts = try await queue.stats(now: Date()).counts(.webhook)
                return counts.ready + counts.leased + counts.dead == 0
            }
            running["one"]!.send(signal: SIGTERM)
            _ = await running["one"]!.waitForExit()

            let received = webhook.received.map(\.pushId)
            let missing = queued.subtracting(received)
            XCTAssertTrue(missing.isEmpty, "\(missing.count) of \(queued.count) queued pushes never reached the endpoint")
            var counts: [String: Int] = [:]
            for pushId in received { counts[pushId, default: 0] += 1 }
            let repeated = Set(counts.filter { $0.value > 1 }.keys)
            XCTAssertTrue(repeated.isSubset(of: heldByKilled), "repeated outside the killed instance's leases: \(repeated.subtracting(heldByKilled))")
            let repeats = received.count - counts.count
            XCTAssertLessThanOrEqual(repeats, heldByKilled.count)
            // Which instances attempted each push, from their own audit logs.
            var attemptedBy: [String: Set<String>] = [:]
            for id in Self.instances {
                for pushId in try Self.attemptedPushIds(in: data[id]!) { attemptedBy[pushId, default: []].insert(id) }
            }
            // A killed instance loses the audit records it had not yet written, so not every
            // push need have one; most must, or the check below proves nothing.
            XCTAssertGreaterThan(attemptedBy.count, queued.count / 2, "the audit logs record the attempts")
            let sharedOutsideTheKill = attemptedBy.filter { $0.value.count > 1 && !heldByKilled.contains($0.key) }
            XCTAssertEqual(sharedOutsideTheKill.count, 0, "attempted by two instances: \(sharedOutsideTheKill.prefix(5))")
            let byInstance = Dictionary(grouping: attemptedBy.values.flatMap { $0 }, by: { $0 }).mapValues(\.count)
            print(
                "MultiInstanceTests: \(queued.count) pushes queued across 3 instances, \(heldByKilled.count) leased by the killed one, "
                    + "\(repeats) repeated; attempts by instance \(byInstance.sorted { $0.key < $1.key })")
        }
    }

    /// Set until every hook call is answered.
    private final class SendingFlag: Sendable {
        private let state = Mutex(true)
        var isSet: Bool { state.withLock { $0 } }
        func clear() { state.withLock { $0 = false } }
    }

    private static func sendCalls(to port: Int, calls: StrideTo<Int>, receivers: [String]) async throws {
        let client = TestClient(host: "127.0.0.1", port: port)
        client.connect()
        for call in calls {
            let mentioned = (0..<mentionedPerCall).map { receivers[(call * mentionedPerCall + $0) % receivers.count] }
            let hook = HookBody.receiversOffline(conversation: "multi-\(call)", to: receivers, content: HookBody.text("call \(call)"), mentioned: mentioned)
            let response = try await client.execute(
                TestClient.Request("/1.1/functions/_receiversOffline", method: .post, headers: [.contentType: "application/json"], body: jsonBody(hook)))
            XCTAssertEqual(response.head.status, .ok, String(buffer: response.body ?? ByteBuffer()))
        }
        try await client.shutdown()
    }

    /// Push ids of every attempt an instance's audit log records; a line being written
    /// (not yet ended) is left out.
    private static func attemptedPushIds(in data: URL) throws -> Set<String> {
        let directory = data.appendingPathComponent("audit")
        var pushIds: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".jsonl") {
            var lines = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            lines.removeLast()
            for line in lines where line.contains(#""kind":"attempt""#) {
                if let pushId = try decodeJSON(String(line))["push"]?.stringValue { pushIds.insert(pushId) }
            }
        }
        return pushIds
    }
}
