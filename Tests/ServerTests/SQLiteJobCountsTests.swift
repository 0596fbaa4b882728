import Delivery
import Foundation
import GRDB
import PushCompose
import SQLiteStorage
import XCTest

/// The SQLite queue's stats read counters its writes keep (a count over a million jobs
/// took seconds, on every dashboard load and `/metrics` scrape): after every kind of
/// write they must equal a count of the jobs themselves, also for a database whose jobs
/// were queued before the counters existed.
final class SQLiteJobCountsTests: XCTestCase {
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    private func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    private func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("job-counts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

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

    /// The jobs counted one by one, as the stats counted them before the counters.
    private struct Counted: Equatable, CustomStringConvertible {
        var byState: [String: Int] = [:]
        var leases: [String: Int] = [:]
        var oldestReady: Int64?
        var description: String { "\(byState.sorted { $0.key < $1.key }) leases \(leases) oldest \(oldestReady.map(String.init) ?? "none")" }
    }

    private func counted(in directory: URL) throws -> Counted {
        let database = try DatabaseQueue(path: directory.appendingPathComponent(SQLiteDeliveryDatabase.fileName).path)
        return try database.read { db in
            var counted = Counted()
            for row in try Row.fetchAll(db, sql: "SELECT provider, state, COUNT(*) AS n FROM job GROUP BY provider, state") {
                counted.byState["\(row["provider"] as String)/\(row["state"] as String)"] = row["n"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT leased_by, COUNT(*) AS n FROM job WHERE state = 'leased' GROUP BY leased_by") {
                counted.leases[row["leased_by"]] = row["n"]
            }
            counted.oldestReady = try Int64.fetchOne(db, sql: "SELECT MIN(queued_at) FROM job WHERE state = 'ready'")
            return counted
        }
    }

    private func reported(_ queue: SQLiteDeliveryQueue, now: Date) async throws -> Counted {
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

    func testTheCountersFollowEveryKindOfWrite() async throws {
        let directory = try directory()
        let database = try SQLiteDeliveryDatabase(directory: directory)
        let a = SQLiteDeliveryQueue(database: database, instanceId: "a")
        let b = SQLiteDeliveryQueue(database: database, instanceId: "b")
        func check(_ step: String, now: Date) async throws {
            let reported = try await reported(a, now: now)
            let counted = try counted(in: directory)
            XCTAssertEqual(reported, counted, "after \(step)")
        }

        _ = try await a.enqueue(pushes(6), now: at(0))
        _ = try await a.enqueue(pushes(4, from: 6), now: at(1))
        try await a.heartbeat(workers: 4, now: at(2))
        try await b.heartbeat(workers: 4, now: at(2))
        try await check("enqueues", now: at(2))

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

        // An expired lease taken over by the other instance.
        let takenOver = try await a.claim(provider: .apns, limit: 10, leaseDuration: .seconds(30), now: at(40))
        XCTAssertEqual(takenOver.count, 4)
        try await check("leases taken over", now: at(40))

        let dead = try await a.jobs(matching: JobFilter(state: .dead, provider: nil), afterId: nil, limit: 10)
        XCTAssertEqual(dead.count, 3)
        _ = try await a.retryDead(id: dead[0].id, now: at(41))
        try await check("one dead job retried", now: at(41))
        _ = try await a.retryAllDead(provider: .webhook, now: at(42))
        try await check("the dead retried", now: at(42))
        _ = try await b.deadLetter(byB[2].lease!, status: nil, reason: "gave up", now: at(43))
        let purged = try await a.purgeDead(olderThan: nil)
        XCTAssertEqual(purged, 1)
        try await check("the dead purged", now: at(43))

        // A heartbeat forgets a silent instance without leases, and the counters at zero.
        for job in takenOver { _ = try await a.finish(job.lease!, as: .delivered) }
        try await a.heartbeat(workers: 4, now: at(2 + 86_400 * 2))
        let stats = try await a.stats(now: at(2 + 86_400 * 2))
        XCTAssertEqual(stats.instances.map(\.id), ["a"])
        try await check("a silent instance forgotten", now: at(2 + 86_400 * 2))
    }

    func testJobsQueuedBeforeTheCountersAreCounted() async throws {
        let directory = try directory()
        let path = directory.appendingPathComponent(SQLiteDeliveryDatabase.fileName).path
        do {
            let database = try SQLiteDeliveryDatabase(directory: directory)
            let queue = SQLiteDeliveryQueue(database: database, instanceId: "a")
            _ = try await queue.enqueue(pushes(8), now: at(0))
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
        let reopened = try await reported(queue, now: at(3))
        XCTAssertEqual(reopened, try counted(in: directory))
        XCTAssertEqual(reopened.byState["webhook/dead"], 1)
        XCTAssertEqual(reopened.leases, ["a": 2])
        _ = try await queue.enqueue(pushes(2, from: 8), now: at(4))
        let afterEnqueue = try await reported(queue, now: at(4))
        XCTAssertEqual(afterEnqueue, try counted(in: directory))
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
