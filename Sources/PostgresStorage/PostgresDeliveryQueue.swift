import Delivery
import Foundation
import Logging
import PostgresNIO
import PushCompose

/// `DeliveryQueue` on the shared database, worked by every instance. A claim takes due
/// jobs with `FOR UPDATE SKIP LOCKED`, so concurrent claims (of this instance or
/// another) never take the same job and never wait for each other; a lease that runs
/// out (its instance died) makes the job due again for whoever claims next. An enqueue
/// announces the work on `pushcompose_work` in its transaction, which wakes the
/// workers of every instance.
public struct PostgresDeliveryQueue: DeliveryQueue {
    private let database: PostgresDatabase
    private let instanceId: String

    public init(database: PostgresDatabase, instanceId: String) {
        self.database = database
        self.instanceId = instanceId
    }

    private var logger: Logger { database.logger }

    /// What `storedJob(_:)` reads, in this order.
    static let jobColumns = """
        id, push_id, hook_call_id, receiver, conversation, template, payload, badge, provider, token, platform, \
        apns_environment, topic, state, attempts, queued_at, due_at, lease_token, last_status, last_reason, dead_at
        """

    /// Jobs per statement: 12 parameters each, well under the protocol's 65,535.
    static let statementJobs = 4000

    /// One statement per batch (a transaction of several only past `statementJobs`
    /// jobs): the badge increments, the jobs with their badges, and the notification
    /// that wakes every instance's workers, in one round trip.
    public func enqueue(_ pushes: [NewPush], now: Date) async throws -> [EnqueuedPush] {
        let queuedAt = StoredValue.milliseconds(now)
        var chunks: [[NewPush]] = [[]]
        var jobsInChunk = 0
        for push in pushes where !push.devices.isEmpty {
            if jobsInChunk + push.devices.count > Self.statementJobs, !chunks[chunks.count - 1].isEmpty {
                chunks.append([])
                jobsInChunk = 0
            }
            chunks[chunks.count - 1].append(push)
            jobsInChunk += push.devices.count
        }
        var stored: [JobKey: (id: Int64, badge: Int?)] = [:]
        if chunks.count == 1 {
            if !chunks[0].isEmpty { stored = try await Self.rows(database.rows(insert(chunks[0], queuedAt: queuedAt))) }
        } else {
            stored = try await database.transaction { connection in
                var stored: [JobKey: (id: Int64, badge: Int?)] = [:]
                for chunk in chunks {
                    stored.merge(try await Self.rows(connection.rows(insert(chunk, queuedAt: queuedAt), logger: logger))) { $1 }
                }
                return stored
            }
        }
        return pushes.map { push in
            let jobs = push.devices.compactMap { stored[JobKey(pushId: push.pushId, provider: $0.provider.rawValue, token: $0.token)] }
            return EnqueuedPush(pushId: push.pushId, receiver: push.receiver, badge: jobs.first?.badge, jobIds: jobs.map(\.id))
        }
    }

    /// Each job is one push to one device: the returned rows are matched back by those.
    private struct JobKey: Hashable {
        var pushId: String
        var provider: String
        var token: String
    }

    private static func rows(_ rows: [PostgresRow]) throws -> [JobKey: (id: Int64, badge: Int?)] {
        var stored: [JobKey: (id: Int64, badge: Int?)] = [:]
        stored.reserveCapacity(rows.count)
        for row in rows {
            let (id, pushId, provider, token, badge) = try row.decode((Int64, String, String, String, Int?).self)
            stored[JobKey(pushId: pushId, provider: provider, token: token)] = (id, badge)
        }
        return stored
    }

    /// The pushes' jobs, queued and due at `queuedAt`. Each counting receiver's count
    /// goes up once by their number of pushes here; their pushes take the values in
    /// between, in order (`rank`).
    private func insert(_ pushes: [NewPush], queuedAt: Int64) -> PostgresQuery {
        var increments: [String: Int] = [:]
        var binds = PostgresBindings(capacity: pushes.count * 12 + 8)
        var sql = """
            WITH new_job (push_id, hook_call_id, receiver, conversation, template, payload, provider, token, platform,
                apns_environment, topic, rank, ord) AS (VALUES
            """
        var parameter = 0
        var ord = 0
        var providers = Set<ProviderKind>()
        for push in pushes {
            var rank = 0
            if push.incrementsBadge {
                increments[push.receiver, default: 0] += 1
                rank = increments[push.receiver]!
            }
            let payload = JSONEncoding.string(push.payload)
            for device in push.devices {
                providers.insert(device.provider)
                sql += ord == 0 ? " (" : ", ("
                for column in 0..<12 {
                    parameter += 1
                    sql += column == 0 ? "$\(parameter)" : ", $\(parameter)"
                }
                // Ids are given in this order (the join below would reorder the rows).
                sql += ", \(ord))"
                ord += 1
                binds.append(push.pushId)
                binds.append(push.hookCallId)
                binds.append(push.receiver)
                binds.append(push.conversation)
                binds.append(push.template)
                binds.append(payload)
                binds.append(device.provider.rawValue)
                binds.append(device.token)
                binds.append(device.platform)
                binds.append(device.apnsEnvironment?.rawValue)
                binds.append(device.topic)
                binds.append(rank)
            }
        }
        // Badge rows are locked in one order by every instance: two enqueues that count
        // the same receivers wait for each other instead of deadlocking.
        let receivers = increments.keys.sorted()
        let counts = receivers.map { increments[$0]! }
        let messages = providers.map { ClusterMessage.work($0, from: instanceId) }
        binds.append(receivers)
        binds.append(counts)
        binds.append(queuedAt)
        binds.append(ClusterMessage.workChannel)
        binds.append(messages)
        let (receiversParameter, countsParameter, queuedAtParameter, channelParameter, messagesParameter) =
            (parameter + 1, parameter + 2, parameter + 3, parameter + 4, parameter + 5)
        sql += """
            ),
            increment (client_id, n) AS (SELECT * FROM unnest($\(receiversParameter)::text[], $\(countsParameter)::bigint[])),
            counted AS (
                INSERT INTO badge (client_id, count) SELECT client_id, n FROM increment ORDER BY client_id
                ON CONFLICT (client_id) DO UPDATE SET count = badge.count + excluded.count
                RETURNING client_id, count),
            inserted AS (
                INSERT INTO job (push_id, hook_call_id, receiver, conversation, template, payload, badge, provider, token,
                    platform, apns_environment, topic, state, attempts, queued_at, due_at)
                SELECT j.push_id, j.hook_call_id, j.receiver, j.conversation, j.template, j.payload,
                    CASE WHEN j.rank > 0 THEN c.count - i.n + j.rank END, j.provider, j.token, j.platform, j.apns_environment,
                    j.topic, 'ready', 0, $\(queuedAtParameter), $\(queuedAtParameter)
                FROM new_job j LEFT JOIN counted c ON c.client_id = j.receiver LEFT JOIN increment i ON i.client_id = j.receiver
                ORDER BY j.ord
                RETURNING id, push_id, provider, token, badge),
            notified AS (SELECT pg_notify($\(channelParameter), message) FROM unnest($\(messagesParameter)::text[]) AS message)
            SELECT inserted.* FROM inserted, (SELECT count(*) FROM notified) AS wakeups
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    public func claim(provider: ProviderKind, limit: Int, leaseDuration: Duration, now: Date) async throws -> [PushJob] {
        guard limit > 0 else { return [] }
        let token = PushIdentifier.random()
        let nowMilliseconds = StoredValue.milliseconds(now)
        let expires = nowMilliseconds + StoredValue.milliseconds(leaseDuration)
        let rows = try await database.rows(
            """
            UPDATE job SET state = 'leased', lease_token = \(token), leased_by = \(instanceId), due_at = \(expires), attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM job WHERE provider = \(provider.rawValue) AND state <> 'dead' AND due_at <= \(nowMilliseconds)
                ORDER BY due_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.jobColumns)
            """, commit: .bookkeeping)
        return try rows.map { try Self.storedJob($0).job() }.sorted { $0.id < $1.id }
    }

    public func nextDueTime(provider: ProviderKind) async throws -> Date? {
        try await database.rows("SELECT MIN(due_at) FROM job WHERE provider = \(provider.rawValue) AND state <> 'dead'")
            .first?.decode(Int64?.self).map(StoredValue.date)
    }

    public func finish(_ jobs: [(lease: JobLease, finish: JobFinish)]) async throws -> [Bool] {
        guard !jobs.isEmpty else { return [] }
        let ids = jobs.map(\.lease.jobId)
        let tokens = jobs.map(\.lease.token)
        return try await database.transaction(.bookkeeping) { connection in
            var removed: [Int64: String] = [:]
            for row in try await connection.rows(
                """
                DELETE FROM job USING unnest(\(ids)::bigint[], \(tokens)::text[]) AS finished(id, token)
                WHERE job.id = finished.id AND job.lease_token = finished.token AND job.state = 'leased'
                RETURNING job.id, job.provider
                """, logger: logger)
            {
                let (id, provider) = try row.decode((Int64, String).self)
                removed[id] = provider
            }
            var counts: [String: [JobFinish: Int]] = [:]
            let held = jobs.map { job -> Bool in
                guard let provider = removed[job.lease.jobId] else { return false }
                counts[provider, default: [:]][job.finish, default: 0] += 1
                return true
            }
            for (provider, byFinish) in counts {
                for (finish, number) in byFinish {
                    try await connection.rows(
                        """
                        INSERT INTO finished (provider, outcome, count) VALUES (\(provider), \(finish.rawValue), \(number))
                        ON CONFLICT (provider, outcome) DO UPDATE SET count = finished.count + excluded.count
                        """, logger: logger)
                }
            }
            return held
        }
    }

    public func retry(_ lease: JobLease, at: Date, status: Int?, reason: String) async throws -> Bool {
        try await changed(
            """
            UPDATE job SET state = 'ready', due_at = \(StoredValue.milliseconds(at)), lease_token = NULL, leased_by = NULL,
                last_status = \(status), last_reason = \(reason)
            WHERE id = \(lease.jobId) AND lease_token = \(lease.token) AND state = 'leased' RETURNING id
            """)
    }

    public func deadLetter(_ lease: JobLease, status: Int?, reason: String, now: Date) async throws -> Bool {
        try await changed(
            """
            UPDATE job SET state = 'dead', due_at = NULL, lease_token = NULL, leased_by = NULL, last_status = \(status),
                last_reason = \(reason), dead_at = \(StoredValue.milliseconds(now))
            WHERE id = \(lease.jobId) AND lease_token = \(lease.token) AND state = 'leased' RETURNING id
            """)
    }

    public func release(_ lease: JobLease, countAttempt: Bool, now: Date) async throws -> Bool {
        try await changed(
            """
            UPDATE job SET state = 'ready', due_at = \(StoredValue.milliseconds(now)), lease_token = NULL, leased_by = NULL,
                attempts = attempts - \(countAttempt ? 0 : 1)
            WHERE id = \(lease.jobId) AND lease_token = \(lease.token) AND state = 'leased' RETURNING id
            """)
    }

    private func changed(_ query: PostgresQuery) async throws -> Bool {
        try await !database.rows(query, commit: .bookkeeping).isEmpty
    }

    public func jobs(matching filter: JobFilter, afterId: Int64?, limit: Int) async throws -> [PushJob] {
        try await database.rows(
            """
            SELECT \(unescaped: Self.jobColumns) FROM job
            WHERE id > \(afterId ?? 0) AND (\(filter.state?.rawValue)::text IS NULL OR state = \(filter.state?.rawValue))
                AND (\(filter.provider?.rawValue)::text IS NULL OR provider = \(filter.provider?.rawValue))
            ORDER BY id LIMIT \(max(0, limit))
            """
        ).map { try Self.storedJob($0).job() }
    }

    public func job(id: Int64) async throws -> PushJob? {
        try await database.rows("SELECT \(unescaped: Self.jobColumns) FROM job WHERE id = \(id)").first.map { try Self.storedJob($0).job() }
    }

    public func retryDead(id: Int64, now: Date) async throws -> Bool {
        let now = StoredValue.milliseconds(now)
        return try await requeue(
            """
            UPDATE job SET state = 'ready', due_at = \(now), queued_at = \(now), attempts = 0, dead_at = NULL
            WHERE id = \(id) AND state = 'dead' RETURNING provider
            """) > 0
    }

    public func retryAllDead(provider: ProviderKind?, now: Date) async throws -> Int {
        let now = StoredValue.milliseconds(now)
        return try await requeue(
            """
            UPDATE job SET state = 'ready', due_at = \(now), queued_at = \(now), attempts = 0, dead_at = NULL
            WHERE state = 'dead' AND (\(provider?.rawValue)::text IS NULL OR provider = \(provider?.rawValue)) RETURNING provider
            """)
    }

    /// Makes dead jobs due again and wakes the workers of their providers, everywhere.
    private func requeue(_ query: PostgresQuery) async throws -> Int {
        try await database.transaction(.bookkeeping) { connection in
            let rows = try await connection.rows(query, logger: logger)
            var providers = Set<String>()
            for row in rows { providers.insert(try row.decode(String.self)) }
            for provider in providers.compactMap(ProviderKind.init(rawValue:)) {
                try await connection.rows(
                    "SELECT pg_notify(\(ClusterMessage.workChannel), \(ClusterMessage.work(provider, from: instanceId)))", logger: logger)
            }
            return rows.count
        }
    }

    public func purgeDead(olderThan: Date?) async throws -> Int {
        let before = olderThan.map(StoredValue.milliseconds) ?? Int64.max
        return try await database.rows("DELETE FROM job WHERE state = 'dead' AND dead_at < \(before) RETURNING id", commit: .bookkeeping).count
    }

    public func stats(now: Date) async throws -> QueueStats {
        var byProvider: [ProviderKind: QueueStats.Counts] = [:]
        var leases: [String: Int] = [:]
        // Summed deltas (JobCountDeltas): a few rows, not a count of every job.
        for row in try await database.rows(PostgresQuery(unsafeSQL: JobCountDeltas.sum)) {
            let (providerText, stateText, holder, count) = try row.decode((String, String, String, Int).self)
            guard let provider = ProviderKind(rawValue: providerText), let state = JobState(rawValue: stateText) else { continue }
            switch state {
            case .ready: byProvider[provider, default: .init()].ready += count
            case .leased: byProvider[provider, default: .init()].leased += count
            case .dead: byProvider[provider, default: .init()].dead += count
            }
            if state == .leased, !holder.isEmpty { leases[holder, default: 0] += count }
        }
        for row in try await database.rows("SELECT provider, outcome, count FROM finished") {
            let (providerText, outcome, count) = try row.decode((String, String, Int).self)
            guard let provider = ProviderKind(rawValue: providerText), let finish = JobFinish(rawValue: outcome) else { continue }
            switch finish {
            case .delivered: byProvider[provider, default: .init()].delivered = count
            case .deviceGone: byProvider[provider, default: .init()].deviceGone = count
            }
        }
        let oldest = try await database.rows("SELECT MIN(queued_at) FROM job WHERE state = 'ready'").first?.decode(Int64?.self)
        var reports: [String: (workers: Int, lastSeenAt: Date)] = [:]
        for row in try await database.rows("SELECT id, workers, last_seen_at FROM instance") {
            let (id, workers, lastSeen) = try row.decode((String, Int, Int64).self)
            reports[id] = (workers, StoredValue.date(lastSeen))
        }
        return QueueStats(
            byProvider: byProvider, oldestReadyQueuedAt: oldest.map(StoredValue.date),
            instances: QueueStats.instances(reports: reports, leases: leases))
    }

    public func heartbeat(workers: Int, now: Date) async throws {
        let now = StoredValue.milliseconds(now)
        try await database.transaction(.bookkeeping) { connection in
            try await connection.rows(
                """
                INSERT INTO instance (id, started_at, last_seen_at, workers) VALUES (\(instanceId), \(now), \(now), \(workers))
                ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at, workers = excluded.workers
                """, logger: logger)
            try await connection.rows(
                """
                DELETE FROM instance WHERE last_seen_at < \(now - Self.forgetInstancesAfter)
                AND NOT EXISTS (
                    SELECT 1 FROM job_count_delta WHERE state = 'leased' AND holder = instance.id GROUP BY holder HAVING SUM(delta) > 0)
                """, logger: logger)
            // One instance at a time folds the counts' deltas; the others skip it.
            if try await connection.rows("SELECT pg_try_advisory_xact_lock(\(Self.foldLockKey))", logger: logger).first?.decode(Bool.self) == true {
                try await connection.rows(PostgresQuery(unsafeSQL: JobCountDeltas.fold), logger: logger)
            }
        }
    }

    /// Held while folding the counts' deltas.
    static let foldLockKey: Int64 = 0x6a6f_625f_636f_756e  // "job_coun"

    /// An instance silent this long (milliseconds) without leases is forgotten.
    static let forgetInstancesAfter: Int64 = 86_400_000

    public func badge(of clientId: String) async throws -> Int {
        try await database.rows("SELECT count FROM badge WHERE client_id = \(clientId)").first?.decode(Int.self) ?? 0
    }

    public func resetBadge(of clientId: String) async throws {
        try await database.rows("DELETE FROM badge WHERE client_id = \(clientId)")
    }

    static func storedJob(_ row: PostgresRow) throws -> StoredJob {
        let cells = row.makeRandomAccess()
        return StoredJob(
            id: try cells[0].decode(Int64.self), pushId: try cells[1].decode(String.self), hookCallId: try cells[2].decode(String.self),
            receiver: try cells[3].decode(String.self), conversation: try cells[4].decode(String.self),
            template: try cells[5].decode(String.self), payload: try cells[6].decode(String.self), badge: try cells[7].decode(Int?.self),
            provider: try cells[8].decode(String.self), token: try cells[9].decode(String.self),
            platform: try cells[10].decode(String?.self), apnsEnvironment: try cells[11].decode(String?.self),
            topic: try cells[12].decode(String?.self), state: try cells[13].decode(String.self), attempts: try cells[14].decode(Int.self),
            queuedAt: try cells[15].decode(Int64.self), dueAt: try cells[16].decode(Int64?.self),
            leaseToken: try cells[17].decode(String?.self), lastStatus: try cells[18].decode(Int?.self),
            lastReason: try cells[19].decode(String?.self), deadAt: try cells[20].decode(Int64?.self))
    }
}

extension PostgresDatabase {
    /// The push ids of the jobs an instance holds leases on: what it had in flight.
    public func leasedPushIds(of instance: String) async throws -> [String] {
        try await rows("SELECT push_id FROM job WHERE state = 'leased' AND leased_by = \(instance)").map { try $0.decode(String.self) }
    }
}
