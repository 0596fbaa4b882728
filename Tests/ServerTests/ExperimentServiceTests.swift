import Foundation
import HummingbirdTesting
import NIOCore
@testable import Server
import XCTest

/// The services behind experiments in the real server: the exposure recorder at shutdown,
/// the bandit's weights, and the metrics.
final class ExperimentServiceTests: XCTestCase {
    private static let name = ExperimentFixture.name

    /// Exposures are written off the hook's path; those handed over before a shutdown are
    /// in the store when the next server starts.
    func testExposuresHandedOverBeforeAShutdownAreStored() async throws {
        let configuration = try experimentConfiguration()
        let conversations = (0..<20).map { "ab-\($0)" }
        try await withServer(configuration) { server in
            for conversation in conversations {
                _ = try await server.receiversOffline(
                    HookBody.receiversOffline(conversation: conversation, to: ["\(conversation)-a", "\(conversation)-b"], content: HookBody.text("hi")))
            }
        }
        try await withServer(configuration) { server in
            let report = try await server.experimentReport()
            for variant in ExperimentFixture.variants {
                let calls = conversations.filter { ExperimentFixture.hashedVariant(of: $0) == variant }.count
                XCTAssertEqual(report.arm(variant)?.int("pushes"), 2 * calls, "\(variant): \(report)")
            }
        }
    }

    /// `bandit: true`: the weights are adapted when the server starts (and each minute),
    /// kept in the store, used by the composer, and the report says so and gives no
    /// significance verdict.
    func testABanditsWeightsAreAdaptedAndTheReportSaysSo() async throws {
        try await withServer(try experimentConfiguration(extra: "  bandit: true")) { server in
            var report = try await server.experimentReport()
            try await eventually("the first weight update is stored", timeout: .seconds(10)) {
                report = try await server.experimentReport()
                return report["adaptation"] != .null
            }
            XCTAssertEqual(report["bandit"], .bool(true))
            let adaptation = try XCTUnwrap(report["adaptation"])
            XCTAssertEqual(adaptation["method"], .string("Thompson sampling"))
            XCTAssertEqual(adaptation.int("updates"), 1, "\(adaptation)")
            let weights = try XCTUnwrap(adaptation["weights"])
            XCTAssertEqual(weights.keys, ExperimentFixture.variants.sorted())
            let values = ExperimentFixture.variants.compactMap { weights[$0]?.numberValue }
            XCTAssertEqual(values.reduce(0, +), 1, accuracy: 1e-9)
            for value in values { XCTAssertGreaterThanOrEqual(value, 0.05, "the floor holds: \(weights)") }
            XCTAssertTrue(report["verdictText"]?.stringValue?.hasPrefix("no significance verdict") == true, "\(report)")
            XCTAssertTrue(report["analysis"]?.stringValue?.contains("bandit") == true, "\(report)")

            let inUse = try XCTUnwrap(server.server.service.experiments.adaptiveWeights(experiment: Self.name))
            XCTAssertEqual(inUse.mapValues { JSON.number($0) }, weights.objectMembers)
        }
    }

    func testExposuresAndOpenEventsAreCountedInTheMetrics() async throws {
        try await withServer(try experimentConfiguration()) { server in
            let (result, record) = try await server.experimentCall(conversation: "ab-1", to: ["Jerry", "Spike"])
            let variant = try XCTUnwrap(try pushMessage(of: result)["_pc"]?["v"]?.stringValue)
            _ = try await server.acceptedOpenEvents([
                ["type": "opened", "pushId": record["call"]?.stringValue ?? "", "receiver": "Jerry"],
                ["type": "opened", "pushId": "no-such-push"],
            ])
            let metrics = try await server.admin(.get, "/metrics")
            XCTAssertEqual(metrics.status, .ok, metrics.text)
            let pushes = metrics.text.split(separator: "\n").filter { $0.hasPrefix("pushcompose_experiment_pushes_total{") }
            XCTAssertEqual(pushes.count, 1, metrics.text)
            for part in [#"experiment="\#(Self.name)""#, #"variant="\#(variant)""#, #"status="exposed""#] {
                XCTAssertTrue(pushes.first?.contains(part) == true, "\(part) in \(pushes)")
            }
            XCTAssertTrue(pushes.first?.hasSuffix(" 2") == true, "\(pushes)")
            XCTAssertTrue(metrics.text.contains(#"pushcompose_experiment_events_total{outcome="counted"} 1"#), metrics.text)
            XCTAssertTrue(metrics.text.contains(#"pushcompose_experiment_events_total{outcome="unknown-push"} 1"#), metrics.text)
            // The events were matched against counted exposures: nothing is left to count.
            XCTAssertTrue(metrics.text.contains("pushcompose_experiment_uncounted_receivers 0.0\n"), metrics.text)
        }
    }
    /// Hook calls and open events from several connections at once: every exposure is
    /// stored once, every open counted once (the second report of each a duplicate).
    func testConcurrentCallsAndEventsAreEachCountedOnce() async throws {
        try await withServer(try experimentConfiguration()) { server in
            let connections = 4, callsEach = 40
            let calls = try await withThrowingTaskGroup(of: [(call: String, conversation: String)].self) { group in
                for connection in 0..<connections {
                    group.addTask {
                        let client = TestClient(host: "127.0.0.1", port: server.port)
                        client.connect()
                        var made: [(call: String, conversation: String)] = []
                        for index in 0..<callsEach {
                            let conversation = "ab-\(connection)-\(index)"
                            let hook = HookBody.receiversOffline(conversation: conversation, to: ["\(conversation)-a", "\(conversation)-b"], content: HookBody.text("hi"))
                            let response = try await client.execute(
                                TestClient.Request("/1.1/functions/_receiversOffline", method: .post, headers: [.contentType: "application/json"], body: jsonBody(hook)))
                            XCTAssertEqual(response.head.status, .ok)
                            let result = try decodeJSON(response.body ?? ByteBuffer())["result"] ?? .null
                            made.append((try XCTUnwrap(try pushMessage(of: result)["_pc"]?["id"]?.stringValue), conversation))
                        }
                        try await client.shutdown()
                        return made
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            XCTAssertEqual(Set(calls.map(\.call)).count, connections * callsEach)

            // Each receiver "a" opens, twice over, from two senders at once.
            let outcomes = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let events: [[String: Any]] = calls.map { ["type": "opened", "pushId": $0.call, "receiver": "\($0.conversation)-a"] }
                        return try await server.acceptedOpenEvents(events)["outcomes"]?.stringArray ?? []
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            XCTAssertEqual(outcomes.filter { $0 == "counted" }.count, calls.count, "each open counted once")
            XCTAssertEqual(outcomes.filter { $0 == "duplicate" }.count, calls.count, "its second report a duplicate")

            let report = try await server.experimentReport()
            for variant in ExperimentFixture.variants {
                let inVariant = calls.filter { ExperimentFixture.hashedVariant(of: $0.conversation) == variant }.count
                let arm = try XCTUnwrap(report.arm(variant), "\(report)")
                XCTAssertEqual(arm.int("pushes"), 2 * inVariant, "\(variant): \(arm)")
                XCTAssertEqual(arm.int("receivers"), 2 * inVariant, "\(variant): \(arm)")
                XCTAssertEqual(arm.int("opens"), inVariant, "\(variant): \(arm)")
                XCTAssertEqual(arm.int("openers"), inVariant, "\(variant): \(arm)")
            }
        }
    }
}

extension JSON {
    /// An object's members; empty for anything else.
    var objectMembers: [String: JSON] {
        if case .object(let members) = self { return members }
        return [:]
    }
}
