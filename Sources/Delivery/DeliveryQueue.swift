import Foundation

/// The durable delivery queue and the badge counters beside it. Drivers: SQLite
/// (embedded); PostgreSQL (shared by instances). Times are passed in, so a driver never
/// reads a clock of its own and tests can move time.
///
/// A driver is made for one instance (its id): claims record the instance that holds
/// each lease, which `stats` counts.
///
/// Changes to a claimed job name its `JobLease` and answer false, changing nothing,
/// when the lease is no longer held (it ran out and another claim took the job, or an
/// operator retried or purged it).
public protocol DeliveryQueue: Sendable {
    /// Stores every push's jobs in one transaction, incrementing each counting
    /// receiver's badge in the same transaction; returns when it is committed. A push
    /// without devices makes no job and leaves the badge alone.
    func enqueue(_ pushes: [NewPush], now: Date) async throws -> [EnqueuedPush]

    /// Leases up to `limit` of `provider`'s jobs that are due at `now` (ready jobs whose
    /// time has come, and leased jobs whose lease ended), oldest due first; each claim
    /// counts one attempt.
    func claim(provider: ProviderKind, limit: Int, leaseDuration: Duration, now: Date) async throws -> [PushJob]
    /// When `provider`'s next job falls due (a ready job's time or a lease's end); nil
    /// when it has none: a worker sleeps until then instead of polling.
    func nextDueTime(provider: ProviderKind) async throws -> Date?

    /// Removes the jobs, counting how each finished, in one transaction; answers per job
    /// whether its lease was held. Workers finish the jobs of concurrent attempts
    /// together (`GroupCommit`): one commit per job would cap deliveries at the
    /// database's commits per second.
    func finish(_ jobs: [(lease: JobLease, finish: JobFinish)]) async throws -> [Bool]
    /// Puts the job back to be claimed again at `at`, keeping the answer that failed.
    func retry(_ lease: JobLease, at: Date, status: Int?, reason: String) async throws -> Bool
    /// Dead-letters the job with its reason.
    func deadLetter(_ lease: JobLease, status: Int?, reason: String, now: Date) async throws -> Bool
    /// Gives the job back, due at once (a worker stopping); `countAttempt` false when
    /// it was never sent, so the claim does not count as an attempt.
    func release(_ lease: JobLease, countAttempt: Bool, now: Date) async throws -> Bool

    /// Jobs in id order after `afterId`, at most `limit`.
    func jobs(matching filter: JobFilter, afterId: Int64?, limit: Int) async throws -> [PushJob]
    func job(id: Int64) async throws -> PushJob?
    /// Re-queues a dead job, due at once, with fresh attempts and age; false when
    /// there is no dead job with that id.
    func retryDead(id: Int64, now: Date) async throws -> Bool
    /// Re-queues every dead job (of one provider when given); returns how many.
    func retryAllDead(provider: ProviderKind?, now: Date) async throws -> Int
    /// Deletes dead jobs dead-lettered before `olderThan` (all when nil); returns how many.
    func purgeDead(olderThan: Date?) async throws -> Int
    /// Counts by state and provider, the finished jobs' counts, and the instances.
    func stats(now: Date) async throws -> QueueStats
    /// Records that this queue's instance is alive, with `workers` attempts at most in
    /// flight; forgets instances silent for a day that hold no lease.
    func heartbeat(workers: Int, now: Date) async throws

    /// A receiver's unread count: what the next counting push carries, minus one.
    func badge(of clientId: String) async throws -> Int
    /// Sets a receiver's unread count back to zero.
    func resetBadge(of clientId: String) async throws
}

extension DeliveryQueue {
    /// Removes one job, counting how it finished.
    public func finish(_ lease: JobLease, as finish: JobFinish) async throws -> Bool {
        try await self.finish([(lease: lease, finish: finish)])[0]
    }
}
