import Delivery
import Foundation
@testable import PostgresStorage
import PushCompose
import XCTest

/// What is particular to the PostgreSQL queue's kept job counts, the deltas its triggers
/// append (that the counts follow every kind of write is in the storage conformance
/// suite): the heartbeat folds them, and jobs queued before the counts are counted.
final class PostgresJobCountsTests: XCTestCase {
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    private func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    private func deltaRows(_ database: PostgresDatabase) async throws -> Int {
        try await database.rows("SELECT COUNT(*) FROM job_count_delta").first!.decode(Int.self)
    }

    /// The heartbeat folds the deltas the triggers appended into one row per provider,
    /// state and holder, and the stats read the same after it.
    func testTheHeartbeatFoldsTheDeltas() async throws {
        let database = try await PostgresTestDatabase.make()
        addTeardownBlock { await database.close() }
        let queue = PostgresDeliveryQueue(database: database, instanceId: "a")
        _ = try await queue.enqueue(twoDevicePushes(6), now: at(0))
        let claimed = try await queue.claim(provider: .webhook, limit: 4, leaseDuration: .seconds(30), now: at(1))
        _ = try await queue.finish(claimed[0].lease!, as: .delivered)
        _ = try await queue.deadLetter(claimed[1].lease!, status: 400, reason: "bad token", now: at(2))
        let before = try await JobCensus.reported(by: queue, now: at(2))
        let counted = try await JobCensus.count(postgres: database)
        XCTAssertEqual(before, counted)
        let beforeFold = try await deltaRows(database)
        try await queue.heartbeat(workers: 4, now: at(3))
        let afterFold = try await deltaRows(database)
        XCTAssertLessThan(afterFold, beforeFold, "the fold leaves one row per provider, state and holder")
        let after = try await JobCensus.reported(by: queue, now: at(2))
        XCTAssertEqual(after, before)
    }

    func testJobsQueuedBeforeTheCountsAreCounted() async throws {
        let database = try await PostgresTestDatabase.make()
        addTeardownBlock { await database.close() }
        let queue = PostgresDeliveryQueue(database: database, instanceId: "a")
        // The database as the version before the counts left it.
        _ = try await database.rows(
            """
            DO $$ BEGIN
                DROP TABLE job_count_delta; DROP INDEX job_ready_by_age;
                DROP TRIGGER job_count_insert ON job; DROP TRIGGER job_count_delete ON job; DROP TRIGGER job_count_update ON job;
                DROP FUNCTION job_count_inserted; DROP FUNCTION job_count_deleted; DROP FUNCTION job_count_updated;
                DELETE FROM pushcompose_migration WHERE version = 3;
            END $$
            """)
        _ = try await queue.enqueue(twoDevicePushes(8), now: at(0))
        let claimed = try await queue.claim(provider: .webhook, limit: 3, leaseDuration: .seconds(30), now: at(1))
        _ = try await queue.deadLetter(claimed[0].lease!, status: 400, reason: "bad token", now: at(2))

        let applied = try await database.migrate()
        XCTAssertEqual(applied, ["3 job counts, oldest ready"])
        let migrated = try await JobCensus.reported(by: queue, now: at(3))
        let countedAtMigration = try await JobCensus.count(postgres: database)
        XCTAssertEqual(migrated, countedAtMigration)
        XCTAssertEqual(migrated.byState["webhook/dead"], 1)
        XCTAssertEqual(migrated.leases, ["a": 2])
        _ = try await queue.enqueue(twoDevicePushes(2, from: 8), now: at(4))
        let afterEnqueue = try await JobCensus.reported(by: queue, now: at(4))
        let countedAfter = try await JobCensus.count(postgres: database)
        XCTAssertEqual(afterEnqueue, countedAfter)
    }
}
