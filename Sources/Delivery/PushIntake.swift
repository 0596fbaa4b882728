import Foundation

/// A durable landing place in front of the queue, so that a hook call is answered after
/// one small write instead of every job's rows, indexes and badge counters.
///
/// `accept` stores a batch of pushes as one record; `admit` later turns the oldest
/// records into jobs (`DeliveryQueue.enqueue`'s work: jobs, badges, counts), exactly
/// once. A process that dies between the two leaves the records, and the next `admit`
/// (at start-up) takes them.
///
/// The SQLite driver has one: its hook calls otherwise wait on about a millisecond of
/// inserts on the database's one writer. A PostgreSQL queue is enqueued into directly.
public protocol PushIntake: Sendable {
    /// Stores the pushes as one record, committed with the queue's durability; returns
    /// when it is committed. Their jobs exist after the next `admit`.
    func accept(_ pushes: [NewPush], now: Date) async throws

    /// Admits the oldest accepted records in one transaction, one at least, and more
    /// while they hold fewer than `pushes` pushes together: each record's jobs are
    /// queued as of the time it was accepted. Empty when no record is waiting.
    func admit(upTo pushes: Int) async throws -> [AdmittedPushes]
}

/// One accepted record, admitted: its pushes and what enqueuing them did.
public struct AdmittedPushes: Sendable, Equatable {
    public var pushes: [NewPush]
    public var enqueued: [EnqueuedPush]

    public init(pushes: [NewPush], enqueued: [EnqueuedPush]) {
        self.pushes = pushes
        self.enqueued = enqueued
    }
}
