import Foundation
import PostgresCluster
import PushCompose
@testable import Server
import XCTest

/// Two instances on one PostgreSQL database (in the test process's throw-away cluster):
/// what one learns or is told, the other applies within a second.
final class SharedDatabaseTests: XCTestCase {
    private static let oneSecond = Duration.seconds(1)

    private func twoInstances(templates: URL? = nil, _ body: @Sendable (TestServer, TestServer) async throws -> Void) async throws {
        let url = try PostgresCluster.shared().createDatabase()
        var first = try makeConfiguration(adminToken: TestSecrets.adminToken)
        first.database = url
        first.instanceId = "first"
        // A provider, so that each instance runs workers (nothing is sent to it here).
        first.delivery.webhookURL = "http://127.0.0.1:9/push"
        first.delivery.webhookSecret = "webhook-secret"
        if let templates { first.templates = templates.path }
        var second = first
        second.instanceId = "second"
        second.data = try makeTemporaryDirectory().appendingPathComponent("data").path
        try await withServer(first) { [second] a in
            try await withServer(second) { b in try await body(a, b) }
        }
    }

    func testAMuteLearnedOnOneInstanceHoldsOnTheOther() async throws {
        try await twoInstances { a, b in
            let mute = try await a.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": true])
            XCTAssertEqual(mute.text, #"{"result":{}}"#)
            try await eventually("Jerry's mute reaches the second instance", timeout: Self.oneSecond) {
                b.server.service.registry.hasMuted(client: "Jerry", conversation: "conv-1")
            }
            _ = try await b.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": false])
            try await eventually("the unmute reaches the first instance", timeout: Self.oneSecond) {
                !a.server.service.registry.hasMuted(client: "Jerry", conversation: "conv-1")
            }
            // A learned conversation name, too.
            _ = try await a.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "attr": ["name": "Kitchen"]])
            try await eventually("the name reaches the second instance", timeout: Self.oneSecond) {
                b.server.service.registry.conversation("conv-1")?.name == "Kitchen"
            }
        }
    }

    func testDirectoryAndDeviceChangesThroughTheAdminAPIReachTheOther() async throws {
        try await twoInstances { a, b in
            let put = try await a.admin(.put, "/v1/clients/Tom", json: ["name": "Thomas", "locale": "fr"])
            XCTAssertEqual(put.status, .ok, put.text)
            try await eventually("Tom's name reaches the second instance", timeout: Self.oneSecond) {
                b.server.service.registry.client("Tom") == ClientEntry(name: "Thomas", locale: "fr")
            }
            let registered = try await a.admin(.post, "/v1/clients/Tom/devices", json: ["provider": "webhook", "token": "tom-1"])
            XCTAssertEqual(registered.status, .created, registered.text)
            try await eventually("Tom's device reaches the second instance's index", timeout: Self.oneSecond) {
                try await b.server.service.delivery.devices.clientsWithDevices().contains("Tom")
            }
            let removed = try await b.admin(.delete, "/v1/clients/Tom/devices/webhook/tom-1")
            XCTAssertEqual(removed.status, .noContent, removed.text)
            try await eventually("the removal reaches the first instance's index", timeout: Self.oneSecond) {
                try await !a.server.service.delivery.devices.clientsWithDevices().contains("Tom")
            }
        }
    }

    /// Each instance reads its own copy of the files; a reload asked of one is repeated
    /// by the other, and `/healthz` shows which set each serves.
    func testATemplateReloadOnOneInstanceReloadsEveryInstance() async throws {
        let templates = try copyOfShippedTemplates()
        try await twoInstances(templates: templates) { a, b in
            let before = try await a.client.execute(uri: "/healthz", method: .get)
            let digest = try XCTUnwrap(try before.json["templates"]?.stringValue)
            XCTAssertEqual(try before.json["instance"], .string("first"))
            let other = try await b.client.execute(uri: "/healthz", method: .get)
            XCTAssertEqual(try other.json["templates"]?.stringValue, digest, "the same files give the same digest")
            XCTAssertEqual(try other.json["instance"], .string("second"))

            let file = templates.appendingPathComponent("default.yaml")
            let text = try String(contentsOf: file, encoding: .utf8)
            try (text + "\n# edited\n").write(to: file, atomically: true, encoding: .utf8)
            let reload = try await a.admin(.post, "/v1/templates/reload")
            XCTAssertEqual(reload.status, .ok, reload.text)
            let reloaded = try XCTUnwrap(try reload.json["digest"]?.stringValue)
            XCTAssertNotEqual(reloaded, digest)
            try await eventually("the second instance reloads", timeout: Self.oneSecond) {
                b.server.service.templates.set.digest == reloaded
            }
            let after = try await b.client.execute(uri: "/healthz", method: .get)
            XCTAssertEqual(try after.json["templates"]?.stringValue, reloaded)
        }
    }

    /// Each instance reports itself to the shared queue: `GET /v1/queue` and `/metrics`
    /// of either list both, with their workers.
    func testEachInstanceIsListedWithItsWorkers() async throws {
        try await twoInstances { a, b in
            try await eventually("both instances reported") {
                let stats = try await b.admin(.get, "/v1/queue")
                let instances = try stats.json["instances"]?.arrayValue ?? []
                return instances.compactMap { $0["id"]?.stringValue } == ["first", "second"]
                    && instances.allSatisfy { $0["workers"] == .number(16) && $0["leases"] == .number(0) }
            }
            let metrics = try await a.client.execute(uri: "/metrics", method: .get, headers: Header.admin).text
            XCTAssertTrue(metrics.contains(#"pushcompose_queue_instance_workers{instance="first"} 16"#), metrics)
            XCTAssertTrue(metrics.contains(#"pushcompose_queue_instance_workers{instance="second"} 16"#), metrics)
            XCTAssertTrue(metrics.contains(#"pushcompose_queue_instance_leases{instance="second"} 0"#), metrics)
        }
    }
}
