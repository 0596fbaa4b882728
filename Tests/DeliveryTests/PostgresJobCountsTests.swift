import Delivery
import Foundation
@testable import PostgresStorage
import PushCompose
import XCTest

/// The PostgreSQL queue's stats sum the deltas its triggers append (a count over a
/// million jobs took seconds): after every kind of write, and after the heartbeat folds
/// the deltas, they must equal a count of the jobs themselves, also for jobs queued
/// before the counts existed.
final class PostgresJobCountsTests: XCTestCase {
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    private func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    private func pushes(_ count: Int, from first: Int = 0) -> [NewPush] {
        (first..<first + count).map { index in
            NewPush(
                pushId: PushIdentifier.random(), hookCallId: "call-\(index)", receiver: "user-\(index)", conversation: "room",
                template: "default", payload: .object([(key: "alert", value: .string("hi"))]), incrementsBadge: false,
                devices: [
                    DeviceAddress(provider: .webhook, token: "w-\(index)", platform: "ios"),
                    DeviceAddress(provider: index % 2 == 0 ? .apns : .fcm, token: "t-\(index)", platform: "ios"),
                ])
        }
    }

    /// Jobs per "provider/state", leases per instance.
    private struct Counted: Equatable {
        var byState: [String: Int] = [:]
        var leases: [String: Int] = [:]
        var oldestReady: Int64?
    }

    private func counted(_ database: PostgresDatabase) async throws -> Counted {
        var counted = Counted()
        for row in try await database.rows("SELECT provider, state, COUNT(*) FROM job GROUP BY provider, state") {
            let (provider, state, count) = try row.decode((String, String, Int).self)
            counted.byState["\(provider)/\(state)"] = count
        }
        for row in try await database.rows("SELECT leased_by, COUNT(*) FROM job WHERE state = 'leased' GROUP BY leased_by") {
            let (holder, count) = try row.decode((String, Int).self)
            counted.leases[holder] = count
        }
        counted.oldestReady = try await database.rows("SELECT MIN(queued_at) FROM job WHERE state = 'ready'").first?.decode(Int64?.self)
        return counted
    }

    private func reported(_ queue: PostgresDeliveryQueue, now: Date) async throws -> Counted {
        let stats = try await queue.stats(now: now)
        var reported = Counted()
        for (provider, counts) in stats.byProvider {
            for (state, count) in [("ready", counts.ready), ("leased", counts.leased), ("dead", counts.dead)] where count > 0 {
                reported.byState["\(provider.rawValue)/\(state)"] = count
            }
        }
        for instance in stats.instances where instance.leases > 0 { reported.leases[instance.id] = instance.leases }
        reported.oldestReady = stats.oldestReadyQueuedAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        return reported
    }

    private func deltaRows(_ database: PostgresDatabase) async throws -> Int {
        try await database.rows("SELECT COUNT(*) FROM job_count_delta").first!.decode(Int.self)
    }

    func testTheCountsFollowEveryKindOfWriteAndTheFold() async throws {
        let database = try await PostgresTestDatabase.make()
        addTeardownBlock { await database.close() }
        let a = PostgresDeliveryQueue(database: database, instanceId: "a")
        let b = PostgresDeliveryQueue(database: database, instanceId: "b")
        func check(_ step: String, now: Date) async throws {
            let reported = try await reported(a, now: now)
            let counted = try await counted(database)
            XCTAssertEqual(reported, counted, "after \(step)")
        }

        _ = try await a.enqueue(pushes(6), now: at(0))
        _ = try await a.enqueue(pushes(4, from: 6), now: at(1))
        try await check("enqueues", now: at(1))

        let byA = try await a.claim(provider: .webhook, limit: 5, leaseDuration: .seconds(30), now: at(3))
        let byB = try await b.claim(provider: .webhook, limit: 3, leaseDuration: .seconds(30), now: at(3))
        let apns = try await b.claim(provider: .apns, limit: 5, leaseDuration: .seconds(30), now: at(3))
        XCTAssertEqual([byA.count, byB.count, apns.count], [5, 3, 5])
        try await check("claims by two instances", now: at(3))

        _ = try await a.finish(byA[0].lease!, as: .delivered)
        _ = try await a.finish(byA[1].lease!, as: .deviceGone)
        _ = try await a.retry(byA[2].lease!, at: at(100), status: 503, reason: "busy")
        _ = try await a.deadLetter(byA[3].lease!, status: 400, reason: "bad token", now: at(4))
        _ = try await b.deadLetter(byB[0].lease!, status: nil, reason: "gave up", now: at(4))
        _ = try await b.deadLetter(apns[0].lease!, status: 400, reason: "BadDeviceToken", now: at(4))
        _ = try await b.release(byB[1].lease!, countAttempt: false, now: at(4))
        try await check("finishes, retries, dead letters, releases", now: at(4))

        let beforeFold = try await deltaRows(database)
        try await a.heartbeat(workers: 4, now: at(5))
        let afterFold = try await deltaRows(database)
        XCTAssertLessThan(afterFold, beforeFold, "the fold leaves one row per provider, state and holder")
        try await check("the heartbeat's fold", now: at(5))

        let takenOver = try await a.claim(provider: .apns, limit: 10, leaseDuration: .seconds(30), now: at(40))
        XCTAssertEqual(takenOver.count, 4)
        try await check("leases taken over", now: at(40))

        let dead = try await a.jobs(matching: JobFilter(state: .dead), afterId: nil, limit: 10)
        XCTAssertEqual(dead.count, 3)
        _ = try await a.retryDead(id: dead[0].id, now: at(41))
        _ = try await a.retryAllDead(provider: .webhook, now: at(42))
        try await check("the dead retried", now: at(42))
        _ = try await b.deadLetter(byB[2].lease!, status: nil, reason: "gave up", now: at(43))
        let purged = try await a.purgeDead(olderThan: nil)
        XCTAssertEqual(purged, 1)
        try await check("the dead purged", now: at(43))

        // A silent instance without leases is forgotten.
        try await b.heartbeat(workers: 4, now: at(44))
        for job in takenOver { _ = try await a.finish(job.lease!, as: .delivered) }
        try await a.heartbeat(workers: 4, now: at(44 + 86_400 * 2))
        let stats = try await a.stats(now: at(44 + 86_400 * 2))
        XCTAssertEqual(stats.instances.map(\.id), ["a"])
        try await check("a silent instance forgotten", now: at(44 + 86_400 * 2))
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
        _ = try await queue.enqueue(pushes(8), now: at(0))
        let claimed = try await queue.claim(provider: .webhook, limit: 3, leaseDuration: .seconds(30), now: at(1))
        _ = try await queue.deadLetter(claimed[0].lease!, status: 400, reason: "bad token", now: at(2))

        let applied = try await database.migrate()
        XCTAssertEqual(applied, ["3 job counts, oldest ready"])
        let migrated = try await reported(queue, now: at(3))
        let countedAtMigration = try await counted(database)
        XCTAssertEqual(migrated, countedAtMigration)
        XCTAssertEqual(migrated.byState["webhook/dead"], 1)
        XCTAssertEqual(migrated.leases, ["a": 2])
        _ = try await queue.enqueue(pushes(2, from: 8), now: at(4))
        let afterEnqueue = try await reported(queue, now: at(4))
        let countedAfter = try await counted(database)
        XCTAssertEqual(afterEnqueue, countedAfter)
    }
}
