import Experiments
import Foundation
import Logging
import PushCompose
import SQLiteStorage
import Storage
import XCTest

@testable import Server

/// Bandit mode: weights adapted by Thompson sampling from the stored outcomes, stored once
/// per minute for every instance, and used by the composer's assignment.
final class ExperimentBanditTests: XCTestCase {
    static let template = """
        name: greeting
        match:
          conversations: ["room-*"]
        experiment:
          name: bandit-test
          unit: receiver
          bandit: {floor: 0.1}
          variants:
            a: {weight: 50, control: true}
            b:
              weight: 50
              push:
                alert: "b: {{message.text}}"
        """

    func templates() throws -> ActiveTemplateSet {
        let directory = try makeTemporaryDirectory()
        try FileManager.default.copyItem(
            at: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("templates/default.yaml"),
            to: directory.appendingPathComponent("default.yaml"))
        try Self.template.write(to: directory.appendingPathComponent("greeting.yaml"), atomically: true, encoding: .utf8)
        return try ActiveTemplateSet(directory: directory, options: .init())
    }

    /// 2,000 exposed receivers per variant; b opened by 30%, a by 10%.
    func fill(_ store: any ExperimentStore) async throws {
        var exposures: [CallExposures] = []
        var opens: [OpenEvent] = []
        for variant in ["a", "b"] {
            for index in 0..<2_000 {
                let receiver = "\(variant)-user-\(index)"
                exposures.append(CallExposures(
                    experiment: "bandit-test", conversationUnit: nil, time: 1_000,
                    groups: [.init(variant: variant, status: .exposed, receivers: [receiver], pushIds: ["push-\(receiver)"])]))
                if index % 10 < (variant == "a" ? 1 : 3) { opens.append(OpenEvent(pushId: "push-\(receiver)", time: 1_060)) }
            }
        }
        try await store.recordExposures(exposures)
        let outcomes = try await store.recordOpens(opens, windows: [:])
        XCTAssertEqual(Set(outcomes), [.counted])
    }

    func testWeightsFollowTheOutcomesAndEveryInstanceUsesTheSameOnes() async throws {
        let store = try SQLiteExperimentStore(directory: try makeTemporaryDirectory())
        try await fill(store)
        let templates = try templates()
        let minute = 1_800_000_000.0
        let first = try await ExperimentState(store: store)
        let second = try await ExperimentState(store: store)
        XCTAssertNil(first.adaptiveWeights(experiment: "bandit-test"), "declared weights until the first update")

        await ExperimentBandit(templates: templates, state: first, logger: Logger(label: "test"), clock: { minute + 5 }).update()
        let weights = try XCTUnwrap(first.adaptiveWeights(experiment: "bandit-test"))
        XCTAssertEqual(weights.values.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(weights["a"]), 0.1, accuracy: 1e-9, "the worse arm is held at the floor")
        XCTAssertEqual(try XCTUnwrap(weights["b"]), 0.9, accuracy: 1e-9)

        // Another instance in the same minute takes the stored row, whatever it computes.
        try await store.recordExposures((0..<500).map { index in
            CallExposures(
                experiment: "bandit-test", conversationUnit: nil, time: 1_100,
                groups: [.init(variant: "a", status: .exposed, receivers: ["late-\(index)"], pushIds: ["late-\(index)"])])
        })
        await ExperimentBandit(templates: templates, state: second, logger: Logger(label: "test"), clock: { minute + 50 }).update()
        XCTAssertEqual(second.adaptiveWeights(experiment: "bandit-test"), weights)
        let history = try await store.weightHistory(experiment: "bandit-test")
        XCTAssertEqual(history.map(\.time), [minute])

        // The composer assigns by them: about 90% of new receivers get b.
        // (Calls of 400: the shipped default pushes only mentioned receivers above 500.)
        var b = 0
        for call in 0..<10 {
            let receivers = (0..<400).map { "new-\(call)-\($0)" }
            let plan = Composer(templates: templates.set, registry: EmptyRegistry(), experiments: first)
                .compose(ReceiversOfflineHook(fromPeer: "Tom", convId: "room-1", offlinePeers: receivers, content: "hi"))
            let assignments = try XCTUnwrap(plan.experiment).assignments
            XCTAssertEqual(assignments.count, 400)
            b += assignments.filter { $0.variant == "b" }.count
        }
        XCTAssertEqual(Double(b) / 4_000, 0.9, accuracy: 0.03)

        // The report says the weights were adaptive and gives no significance verdict.
        let report = try await ExperimentCatalog(set: templates.set, store: store).report("bandit-test", since: nil, now: minute + 60)
        XCTAssertEqual(report.verdict, .adaptive)
        XCTAssertNotNil(report.adaptation)
        XCTAssertNil(report.arms[1].pValue)
    }

    func testARestartResumesFromTheStoredWeights() async throws {
        let store = try SQLiteExperimentStore(directory: try makeTemporaryDirectory())
        _ = try await store.saveWeights(WeightUpdate(experiment: "bandit-test", time: 1_800_000_000, weights: ["a": 0.1, "b": 0.9]))
        _ = try await store.saveWeights(WeightUpdate(experiment: "bandit-test", time: 1_800_000_060, weights: ["a": 0.25, "b": 0.75]))
        let state = try await ExperimentState(store: store)
        XCTAssertNil(state.adaptiveWeights(experiment: "bandit-test"))
        // What `run()` does first, before its first update: the latest stored weights apply.
        await ExperimentBandit(templates: try templates(), state: state, logger: Logger(label: "test")).loadStoredWeights()
        XCTAssertEqual(state.adaptiveWeights(experiment: "bandit-test"), ["a": 0.25, "b": 0.75])
    }
}
