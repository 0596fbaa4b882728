import Delivery
import Foundation
import GRDB
import PushCompose

/// `DeliveryQueue` on the delivery database. Claims are one `UPDATE … RETURNING` in a
/// write transaction; SQLite has one writer at a time, so two claims never take the
/// same job.
public struct SQLiteDeliveryQueue: DeliveryQueue {
    /// The instance when none is named: SQLite serves one.
    public static let defaultInstanceId = "local"

    let database: SQLiteDeliveryDatabase
    private let instanceId: String

    public init(database: SQLiteDeliveryDatabase, instanceId: String = Self.defaultInstanceId) {
        self.database = database
        self.instanceId = instanceId
    }

    /// What `StoredJob` reads, in this order.
    private static let jobColumns = """
        id, push_id, hook_call_id, receiver, conversation, template, payload, badge, provider, token, platform, \
        apns_environment, topic, state, attempts, queued_at, due_at, lease_token, last_status, last_reason, dead_at
        """

    public func enqueue(_ pushes: [NewPush], now: Date) async throws -> [EnqueuedPush] {
        try await database.durableWrite { db in try Self.insertJobs(pushes, now: now, in: db) }
    }

    /// Enqueue's work inside a transaction: `admit` does it too.
    static func insertJobs(_ pushes: [NewPush], now: Date, in db: Database) throws -> [EnqueuedPush] {
        let queuedAt = StoredValue.milliseconds(now)
        let insertJob = try db.cachedStatement(
            sql: """
                INSERT INTO job (push_id, hook_call_id, receiver, conversation, template, payload, badge,
                    provider, token, platform, apns_environment, topic, state, attempts, queued_at, due_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ready', 0, ?, ?)
                """)
        let incrementBadge = try db.cachedStatement(
            sql: "INSERT INTO badge (client_id, count) VALUES (?, 1) ON CONFLICT (client_id) DO UPDATE SET count = count + 1 RETURNING count")
        var results: [EnqueuedPush] = []
        results.reserveCapacity(pushes.count)
        var counts = JobCountChanges()
        for push in pushes {
            guard !push.devices.isEmpty else {
                results.append(EnqueuedPush(pushId: push.pushId, receiver: push.receiver, badge: nil, jobIds: []))
                continue
            }
            let badge = push.incrementsBadge ? try Int.fetchOne(incrementBadge, arguments: [push.receiver]) : nil
            let payload = JSONEncoding.string(push.payload)
            var jobIds: [Int64] = []
            for device in push.devices {
                try insertJob.execute(arguments: [
                    push.pushId, push.hookCallId, push.receiver, push.conversation, push.template, payload, badge,
                    device.provider.rawValue, device.token, device.platform, device.apnsEnvironment?.rawValue, device.topic,
                    queuedAt, queuedAt,
                ])
                jobIds.append(db.lastInsertedRowID)
                counts.add(1, provider: device.provider.rawValue, state: JobState.ready.rawValue)
            }
            results.append(EnqueuedPush(pushId: push.pushId, receiver: push.receiver, badge: badge, jobIds: jobIds))
        }
        try counts.store(in: db)
        return results
    }

    public func claim(provider: ProviderKind, limit: Int, leaseDuration: Duration, now: Date) async throws -> [PushJob] {
        guard limit > 0 else { return [] }
        let token = PushIdentifier.random()
        let nowMilliseconds = StoredValue.milliseconds(now)
        let expires = nowMilliseconds + StoredValue.milliseconds(leaseDuration)
        let rows = try await database.bookkeepingWrite { [instanceId] db in
            // The jobs the claim takes, by state and holder (an expired lease is taken over): the same selection.
            var counts = JobCountChanges()
            let taken = try db.cachedStatement(
                sql: """
                    SELECT state, leased_by, COUNT(*) FROM (
                        SELECT state, leased_by FROM job WHERE provider = ? AND state != 'dead' AND due_at <= ?
                        ORDER BY due_at, id LIMIT ?)
                    GROUP BY state, leased_by
                    """)
            for row in try Row.fetchAll(taken, arguments: [provider.rawValue, nowMilliseconds, limit]) {
                counts.add(-(row[2] as Int), provider: provider.rawValue, state: row[0], holder: row[1])
            }
            let claim = try db.cachedStatement(
                sql: """
                    UPDATE job SET state = 'leased', lease_token = ?, leased_by = ?, due_at = ?, attempts = attempts + 1
                    WHERE id IN (
                        SELECT id FROM job WHERE provider = ? AND state != 'dead' AND due_at <= ?
                        ORDER BY due_at, id LIMIT ?)
                    RETURNING \(Self.jobColumns)
                    """)
            let claimed = try Row.fetchAll(claim, arguments: [token, instanceId, expires, provider.rawValue, nowMilliseconds, limit]).map(StoredJob.init)
            counts.add(claimed.count, provider: provider.rawValue, state: JobState.leased.rawValue, holder: instanceId)
            try counts.store(in: db)
            return claimed
        }
        // Decoded here, not on the database's one writer, which every enqueue waits for.
        return try rows.map { try $0.job() }.sorted { $0.id < $1.id }
    }

    public func nextDueTime(provider: ProviderKind) async throws -> Date? {
        try await database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(due_at) FROM job WHERE provider = ? AND state != 'dead'", arguments: [provider.rawValue])
                .map(StoredValue.date)
        }
    }

    public func finish(_ jobs: [(lease: JobLease, finish: JobFinish)]) async throws -> [Bool] {
        try await database.bookkeepingWrite { db in
            let delete = try db.cachedStatement(
                sql: "DELETE FROM job WHERE id = ? AND lease_token = ? AND state = 'leased' RETURNING provider, leased_by")
            var held: [Bool] = []
            held.reserveCapacity(jobs.count)
            var counts: [String: [JobFinish: Int]] = [:]
            var jobCounts = JobCountChanges()
            for job in jobs {
                guard let row = try Row.fetchOne(delete, arguments: [job.lease.jobId, job.lease.token]) else {
                    held.append(false)
                    continue
                }
                let provider: String = row[0]
                held.append(true)
                counts[provider, default: [:]][job.finish, default: 0] += 1
                jobCounts.add(-1, provider: provider, state: JobState.leased.rawValue, holder: row[1])
            }
            try jobCounts.store(in: db)
            let count = try db.cachedStatement(
                sql: "INSERT INTO finished (provider, outcome, count) VALUES (?, ?, ?) ON CONFLICT (provider, outcome) DO UPDATE SET count = count + excluded.count")
            for (provider, byFinish) in counts {
                for (finish, number) in byFinish {
                    try count.execute(arguments: [provider, finish.rawValue, number])
                }
            }
            return held
        }
    }

    public func retry(_ lease: JobLease, at: Date, status: Int?, reason: String) async throws -> Bool {
        try await updateLeased(
            lease, to: .ready, set: "state = 'ready', due_at = ?, lease_token = NULL, last_status = ?, last_reason = ?",
            arguments: [StoredValue.milliseconds(at), status, reason])
    }

    public func deadLetter(_ lease: JobLease, status: Int?, reason: String, now: Date) async throws -> Bool {
        try await updateLeased(
            lease, to: .dead, set: "state = 'dead', due_at = NULL, lease_token = NULL, last_status = ?, last_reason = ?, dead_at = ?",
            arguments: [status, reason, StoredValue.milliseconds(now)])
    }

    public func release(_ lease: JobLease, countAttempt: Bool, now: Date) async throws -> Bool {
        try await updateLeased(
            lease, to: .ready, set: "state = 'ready', due_at = ?, lease_token = NULL, attempts = attempts - ?",
            arguments: [StoredValue.milliseconds(now), countAttempt ? 0 : 1])
    }

    private func updateLeased(_ lease: JobLease, to state: JobState, set: String, arguments: StatementArguments) async throws -> Bool {
        try await database.bookkeepingWrite { db in
            guard let row = try Row.fetchOne(
                db, sql: "UPDATE job SET \(set) WHERE id = ? AND lease_token = ? AND state = 'leased' RETURNING provider, leased_by",
                arguments: arguments + [lease.jobId, lease.token])
            else { return false }
            var counts = JobCountChanges()
            counts.add(-1, provider: row[0], state: JobState.leased.rawValue, holder: row[1])
            counts.add(1, provider: row[0], state: state.rawValue)
            try counts.store(in: db)
            return true
        }
    }

    public func jobs(matching filter: JobFilter, afterId: Int64?, limit: Int) async throws -> [PushJob] {
        var conditions = ["id > ?"]
        var arguments: StatementArguments = [afterId ?? 0]
        if let state = filter.state {
            // Written out, not bound: the planner picks a partial index (the dead jobs')
            // only for a state it sees when it prepares the statement.
            conditions.append("state = '\(state.rawValue)'")
        }
        if let provider = filter.provider {
            conditions.append("provider = ?")
            arguments += [provider.rawValue]
        }
        arguments += [max(0, limit)]
        let bound = arguments
        let sql = "SELECT \(Self.jobColumns) FROM job WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT ?"
        return try await database.pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: bound).map(Self.job)
        }
    }

    public func job(id: Int64) async throws -> PushJob? {
        try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.jobColumns) FROM job WHERE id = ?", arguments: [id]).map(Self.job)
        }
    }

    public func retryDead(id: Int64, now: Date) async throws -> Bool {
        let now = StoredValue.milliseconds(now)
        return try await database.bookkeepingWrite { db in
            let providers = try String.fetchCursor(
                db,
                sql: "UPDATE job SET state = 'ready', due_at = ?, queued_at = ?, attempts = 0, dead_at = NULL WHERE id = ? AND state = 'dead' RETURNING provider",
                arguments: [now, now, id])
            return try Self.move(providers, from: .dead, to: .ready, db) == 1
        }
    }

    public func retryAllDead(provider: ProviderKind?, now: Date) async throws -> Int {
        let now = StoredValue.milliseconds(now)
        return try await database.bookkeepingWrite { db in
            let providers = try String.fetchCursor(
                db,
                sql: """
                    UPDATE job SET state = 'ready', due_at = ?, queued_at = ?, attempts = 0, dead_at = NULL
                    WHERE state = 'dead' AND (? IS NULL OR provider = ?) RETURNING provider
                    """,
                arguments: [now, now, provider?.rawValue, provider?.rawValue])
            return try Self.move(providers, from: .dead, to: .ready, db)
        }
    }

    public func purgeDead(olderThan: Date?) async throws -> Int {
        let before = olderThan.map(StoredValue.milliseconds) ?? Int64.max
        return try await database.bookkeepingWrite { db in
            let providers = try String.fetchCursor(db, sql: "DELETE FROM job WHERE state = 'dead' AND dead_at < ? RETURNING provider", arguments: [before])
            return try Self.move(providers, from: .dead, to: nil, db)
        }
    }

    /// Counts the jobs of `providers` (a write's RETURNING) as moved from `state` to
    /// `target` (nil: deleted); returns how many there were.
    private static func move(_ providers: some Cursor<String>, from state: JobState, to target: JobState?, _ db: Database) throws -> Int {
        var counts = JobCountChanges()
        var moved = 0
        while let provider = try providers.next() {
            counts.add(-1, provider: provider, state: state.rawValue)
            if let target { counts.add(1, provider: provider, state: target.rawValue) }
            moved += 1
        }
        try counts.store(in: db)
        return moved
    }

    public func stats(now: Date) async throws -> QueueStats {
        var stats = try await database.pool.read { db in
            var byProvider: [ProviderKind: QueueStats.Counts] = [:]
            // Counters kept by the writes (JobCounts): a few rows, not a count of every job.
            for row in try Row.fetchAll(db, sql: "SELECT provider, state, SUM(count) AS n FROM job_count GROUP BY provider, state HAVING n > 0") {
                guard let provider = ProviderKind(rawValue: row["provider"]), let state = JobState(rawValue: row["state"]) else { continue }
                let count: Int = row["n"]
                switch state {
                case .ready: byProvider[provider, default: .init()].ready = count
                case .leased: byProvider[provider, default: .init()].leased = count
                case .dead: byProvider[provider, default: .init()].dead = count
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT provider, outcome, count FROM finished") {
                guard let provider = ProviderKind(rawValue: row["provider"]), let finish = JobFinish(rawValue: row["outcome"]) else { continue }
                let count: Int = row["count"]
                switch finish {
                case .delivered: byProvider[provider, default: .init()].delivered = count
                case .deviceGone: byProvider[provider, default: .init()].deviceGone = count
                }
            }
            let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(queued_at) FROM job WHERE state = 'ready'")
            var reports: [String: (workers: Int, lastSeenAt: Date)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, workers, last_seen_at FROM instance") {
                reports[row["id"]] = (row["workers"], StoredValue.date(row["last_seen_at"]))
            }
            var leases: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT holder, count FROM job_count WHERE state = 'leased' AND holder != '' AND count > 0") {
                leases[row["holder"], default: 0] += row["count"]
            }
            return QueueStats(
                byProvider: byProvider, oldestReadyQueuedAt: oldest.map(StoredValue.date),
                instances: QueueStats.instances(reports: reports, leases: leases))
        }
        stats.intakeRecords = try await intakeRecords()
        return stats
    }

    public func heartbeat(workers: Int, now: Date) async throws {
        let now = StoredValue.milliseconds(now)
        try await database.bookkeepingWrite { [instanceId] db in
            try db.execute(
                sql: """
                    INSERT INTO instance (id, started_at, last_seen_at, workers) VALUES (?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at, workers = excluded.workers
                    """,
                arguments: [instanceId, now, now, workers])
            try db.execute(
                sql: """
                    DELETE FROM instance WHERE last_seen_at < ?
                    AND NOT EXISTS (SELECT 1 FROM job_count WHERE state = 'leased' AND holder = instance.id AND count > 0)
                    """,
                arguments: [now - Self.forgetInstancesAfter])
            try db.execute(sql: "DELETE FROM job_count WHERE count = 0")
        }
    }

    /// An instance silent this long (milliseconds) without leases is forgotten.
    static let forgetInstancesAfter: Int64 = 86_400_000

    public func badge(of clientId: String) async throws -> Int {
        try await database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count FROM badge WHERE client_id = ?", arguments: [clientId]) ?? 0
        }
    }

    public func resetBadge(of clientId: String) async throws {
        try await database.durableWrite { db in
            try db.execute(sql: "DELETE FROM badge WHERE client_id = ?", arguments: [clientId])
        }
    }

    static func job(_ row: Row) throws -> PushJob {
        try StoredJob(row).job()
    }
}

extension StoredJob {
    /// Reads `jobColumns` by position: looking columns up by name (a case-insensitive
    /// comparison per column and row) was a tenth of a claim's cost.
    init(_ row: Row) {
        self.init(
            id: row[0], pushId: row[1], hookCallId: row[2], receiver: row[3], conversation: row[4], template: row[5],
            payload: row[6], badge: row[7], provider: row[8], token: row[9], platform: row[10], apnsEnvironment: row[11],
            topic: row[12], state: row[13], attempts: row[14], queuedAt: row[15], dueAt: row[16], leaseToken: row[17],
            lastStatus: row[18], lastReason: row[19], deadAt: row[20])
    }
}
