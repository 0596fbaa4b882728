import Experiments
import Foundation
import GRDB
@testable import SQLiteStorage
import Storage
import XCTest

/// The SQLite experiment store records a batch as one blob and counts it later, on a
/// thread of the lowest priority or before a read: what is counted, when, and that a
/// batch is counted once whatever stops in between.
final class SQLiteExposureCountingTests: XCTestCase {
    private static let t = 1_764_230_400.0

    private static func call(_ pushId: String, _ receivers: [String], variant: String = "control", status: ExposureStatus = .exposed, at seconds: Double = 0)
        -> CallExposures
    {
        CallExposures(
            experiment: "greeting", conversationUnit: nil, time: Self.t + seconds,
            groups: [CallExposures.Group(variant: variant, status: status, receivers: receivers, pushIds: [pushId])])
    }

    /// The counted tables, read straight from the file: what the counting thread wrote,
    /// with no read of the store (which would count first).
    private func countedArms(_ directory: URL) throws -> [String: Int] {
        let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteExperimentStore.fileName).path)
        return try database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT variant, pushes FROM experiment_arm").map { ($0["variant"], $0["pushes"]) })
        }
    }

    private func countedThrough(_ directory: URL) throws -> Int64? {
        let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteExperimentStore.fileName).path)
        return try database.read { try Int64.fetchOne($0, sql: "SELECT batch FROM exposure_counted") }
    }

    private func recordedBatches(_ directory: URL) throws -> [Int64] {
        let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteExperimentStore.recordedFileName).path)
        return try database.read { try Int64.fetchAll($0, sql: "SELECT id FROM exposure_batch ORDER BY id") }
    }

    private func insertBatch(id: Int64, _ calls: [CallExposures], in directory: URL) throws {
        let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteExperimentStore.recordedFileName).path)
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO exposure_batch (id, receivers, calls) VALUES (?, ?, ?)",
                arguments: [id, calls.reduce(0) { $0 + $1.count }, ExposureBatch.encode(calls)])
        }
    }

    /// A backlog of batches is summed at each recording: from the index, or that sum
    /// reads a page of every batch waiting.
    func testTheUncountedSumReadsTheIndexNotTheBatches() async throws {
        let directory = try makeTemporaryDirectory()
        let store = try SQLiteExperimentStore(directory: directory)
        try await store.recordExposures([Self.call("p1", ["Tom", "Jerry"])])
        let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteExperimentStore.recordedFileName).path)
        let plan = try await database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLiteExperimentStore.uncountedSQL).map { $0["detail"] as String }
        }
        XCTAssertEqual(plan, ["SCAN exposure_batch USING COVERING INDEX exposure_batch_receivers"])
    }

    func testTheCountingThreadCountsWithoutARead() async throws {
        let directory = try makeTemporaryDirectory()
        let store = try SQLiteExperimentStore(directory: directory)
        try await store.recordExposures([Self.call("p1", ["Tom", "Jerry"]), Self.call("p2", ["Spike"], variant: "short")])
        try await store.recordExposures([Self.call("p3", ["Tom"], at: 10)])
        await store.countingThreadEnded()
        XCTAssertEqual(try countedArms(directory), ["control": 3, "short": 1])
        XCTAssertEqual(try countedThrough(directory), 2)
        // Not what the last recording saw (the metric's value): nothing is left once the
        // thread ends, though the counted batches are still in the file.
        XCTAssertEqual(store.uncountedReceivers, 0)
        // The thread leaves the counted batches for the next recording to remove.
        try await store.recordExposures([Self.call("p4", ["Tyke"], at: 20)])
        XCTAssertFalse(try recordedBatches(directory).contains { $0 <= 2 })
    }

    func testAboveTheLimitRecordingCountsItself() async throws {
        let directory = try makeTemporaryDirectory()
        let store = try SQLiteExperimentStore(directory: directory, countInlineAbove: 0)
        try await store.recordExposures([Self.call("p1", ["Tom", "Jerry"])])
        // No thread was started: nothing to wait for.
        XCTAssertEqual(try countedArms(directory), ["control": 2])
        XCTAssertEqual(try recordedBatches(directory), [])
    }

    /// Past the limit a recording counts back under it, never leaving more waiting.
    /// Each batch of two is past a limit of one: the recording counts and removes it
    /// itself (the counting thread would leave it in the file), so no thread runs.
    func testRecordingKeepsTheBacklogUnderTheLimit() async throws {
        let directory = try makeTemporaryDirectory()
        let store = try SQLiteExperimentStore(directory: directory, countInlineAbove: 1)
        for batch in 0..<6 {
            try await store.recordExposures([Self.call("p\(batch)", ["Tom", "Jerry"], at: Double(batch))])
            XCTAssertLessThanOrEqual(store.uncountedReceivers, 1, "after batch \(batch)")
            XCTAssertEqual(try recordedBatches(directory), [], "after batch \(batch)")
        }
        let counts = try await store.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [ArmCounts(variant: "control", pushes: 12, receivers: 2)])
    }

    /// A process killed after recording, before counting: the next store on the directory
    /// counts the batch before its first read.
    func testABatchLeftUncountedIsCountedByTheNextStore() async throws {
        let directory = try makeTemporaryDirectory()
        _ = try SQLiteExperimentStore(directory: directory)
        try insertBatch(id: 1, [Self.call("p1", ["Tom", "Jerry"]), Self.call("p2", ["Tom"], status: .notExposed)], in: directory)
        let store = try SQLiteExperimentStore(directory: directory)
        XCTAssertEqual(store.uncountedReceivers, 3)
        let counts = try await store.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [ArmCounts(variant: "control", pushes: 2, receivers: 2, notExposed: 1)])
        XCTAssertEqual(try recordedBatches(directory), [])
        XCTAssertEqual(store.uncountedReceivers, 0)
    }

    /// A process killed after counting a batch, before removing it: the mark says it is
    /// counted, and it is removed without being counted again.
    func testABatchCountedButNotRemovedIsNotCountedTwice() async throws {
        let directory = try makeTemporaryDirectory()
        let store = try SQLiteExperimentStore(directory: directory)
        let batch = [Self.call("p1", ["Tom", "Jerry"])]
        try await store.recordExposures(batch)
        await store.countingThreadEnded()
        // Counted, and still in the file (as when the process stops before the next recording).
        XCTAssertEqual(try recordedBatches(directory), [1])
        XCTAssertEqual(try countedThrough(directory), 1)
        let reopened = try SQLiteExperimentStore(directory: directory)
        let counts = try await reopened.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [ArmCounts(variant: "control", pushes: 2, receivers: 2)])
        XCTAssertEqual(try recordedBatches(directory), [])
        // The next batch gets a new id past the mark, and counts.
        try await reopened.recordExposures([Self.call("p2", ["Tom"], at: 10)])
        let after = try await reopened.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(after, [ArmCounts(variant: "control", pushes: 3, receivers: 2)])
    }

    /// Two stores on one directory recording and reading at once (the server and a
    /// `pushcompose ab report`): every batch is counted once.
    func testTwoStoresCountEveryBatchOnce() async throws {
        let directory = try makeTemporaryDirectory()
        let stores = [try SQLiteExperimentStore(directory: directory), try SQLiteExperimentStore(directory: directory)]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    for batch in 0..<40 {
                        let pushId = "s\(index)-\(batch)"
                        try await store.recordExposures([Self.call(pushId, ["r\(batch % 7)", "q\(index)"], at: Double(batch))])
                        if batch % 5 == 0 { _ = try await store.armCounts(experiment: "greeting", since: nil) }
                    }
                }
            }
            try await group.waitForAll()
        }
        for store in stores { await store.countingThreadEnded() }
        let counts = try await stores[0].armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [ArmCounts(variant: "control", pushes: 160, receivers: 9)])
        XCTAssertEqual(try recordedBatches(directory), [])
    }

    func testABatchRoundTripsExactly() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let calls = (0..<Int.random(in: 0...5, using: &generator)).map { index in
                let receivers = (0..<Int.random(in: 1...6, using: &generator)).map { "r\($0) \"猫\" 🐱\n\(index)" }
                let perReceiver = Bool.random(using: &generator)
                return CallExposures(
                    experiment: "x\(index)", conversationUnit: Bool.random(using: &generator) ? "conversation \(index)" : nil,
                    time: Double.random(in: 0...2e9, using: &generator),
                    groups: [
                        CallExposures.Group(
                            variant: "v", status: [.exposed, .notExposed, .overridden].randomElement(using: &generator)!, receivers: receivers,
                            pushIds: perReceiver ? receivers.map { "push \($0)" } : ["call"])
                    ])
            }
            XCTAssertEqual(try ExposureBatch.decode(ExposureBatch.encode(calls)), calls)
        }
    }

    /// Every cut of a batch, and bytes that are no batch, are refused with the place
    /// named, never read past their end.
    func testADamagedBatchIsRefused() {
        let bytes = ExposureBatch.encode([Self.call("p1", ["Tom", "Jerry"]), Self.call("p2", ["Spike"], variant: "short")])
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try ExposureBatch.decode(bytes.prefix(length)), "cut at \(length)")
        }
        XCTAssertThrowsError(try ExposureBatch.decode(Data([2, 0, 0, 0, 0]))) { error in
            XCTAssertEqual("\(error)", "damaged batch of exposures at byte 0: unknown version")
        }
        XCTAssertThrowsError(try ExposureBatch.decode(Data([1, 255, 255, 255, 255]))) { error in
            XCTAssertEqual("\(error)", "damaged batch of exposures at byte 5: a count of 4294967295 with 0 bytes left")
        }
        XCTAssertThrowsError(try ExposureBatch.decode(bytes + [0]))
    }
}
