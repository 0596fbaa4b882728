import Delivery
import Foundation
import GRDB
import PushCompose
import SQLiteStorage
import XCTest

/// What is particular to the SQLite queue's kept job counts (that they follow every kind
/// of write is in the storage conformance suite): a database whose jobs were queued
/// before the counters existed is counted, and the stats' reads use their indexes.
final class SQLiteJobCountsTests: XCTestCase {
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    private func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    private func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("job-counts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testJobsQueuedBeforeTheCountersAreCounted() async throws {
        let directory = try directory()
        let path = directory.appendingPathComponent(SQLiteDeliveryDatabase.fileName).path
        do {
            let database = try SQLiteDeliveryDatabase(directory: directory)
            let queue = SQLiteDeliveryQueue(database: database, instanceId: "a")
            _ = try await queue.enqueue(twoDevicePushes(8), now: at(0))
            let claimed = try await queue.claim(provider: .webhook, limit: 3, leaseDuration: .seconds(30), now: at(1))
            _ = try await queue.deadLetter(claimed[0].lease!, status: 400, reason: "bad token", now: at(2))
        }
        // The database as the version before the counters left it.
        let older = try DatabaseQueue(path: path)
        try await older.write { db in
            try db.execute(
                sql: """
                    DROP TABLE job_count; DROP INDEX job_ready_by_age;
                    DELETE FROM grdb_migrations WHERE identifier = 'v3 job counts kept by the queue, oldest ready';
                    """)
        }
        try older.close()

        let database = try SQLiteDeliveryDatabase(directory: directory)
        let queue = SQLiteDeliveryQueue(database: database, instanceId: "a")
        let reopened = try await JobCensus.reported(by: queue, now: at(3))
        XCTAssertEqual(reopened, try JobCensus.count(sqlite: path))
        XCTAssertEqual(reopened.byState["webhook/dead"], 1)
        XCTAssertEqual(reopened.leases, ["a": 2])
        _ = try await queue.enqueue(twoDevicePushes(2, from: 8), now: at(4))
        let afterEnqueue = try await JobCensus.reported(by: queue, now: at(4))
        XCTAssertEqual(afterEnqueue, try JobCensus.count(sqlite: path))
    }

    /// The oldest ready job is read from its index, not found among every job.
    func testTheOldestReadyJobIsReadFromAnIndex() async throws {
        let directory = try directory()
        _ = try SQLiteDeliveryDatabase(directory: directory)
        let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteDeliveryDatabase.fileName).path)
        let plan = try await database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT MIN(queued_at) FROM job WHERE state = 'ready'").map { $0["detail"] as String }
        }
        XCTAssertTrue(plan.contains { $0.contains("job_ready_by_age") }, "\(plan)")
    }

    /// The dead jobs' list (`jobs(matching:)` with state dead, its shape) reads their
    /// index in id order, not every job's id.
    func testTheDeadJobsAreListedFromAnIndex() async throws {
        let directory = try directory()
        _ = try SQLiteDeliveryDatabase(directory: directory)
        let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteDeliveryDatabase.fileName).path)
        let plan = try await database.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN SELECT * FROM job WHERE id > ? AND state = 'dead' AND provider = ? ORDER BY id LIMIT ?",
                arguments: [0, "apns", 50]
            ).map { $0["detail"] as String }
        }
        XCTAssertTrue(plan.contains { $0.contains("job_dead_by_id") }, "\(plan)")
    }
}
