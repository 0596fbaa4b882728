/// Enqueues the pushes of concurrent hook calls in shared transactions (`GroupCommit`),
/// so calls do not wait on one commit each; after each commit it records one `queued`
/// event per job and wakes the providers' workers. The hook's path on a queue without a
/// `PushIntake` (PostgreSQL); tests use it where they need the job ids at once.
public final class GroupCommitEnqueuer: Sendable {
    private let group: GroupCommit<NewPush, EnqueuedPush>

    public init(queue: any DeliveryQueue, clock: any DeliveryClock, signal: WorkSignal, events: any DeliveryEventSink) {
        group = GroupCommit { pushes in
            let enqueued = try await queue.enqueue(pushes, now: clock.now())
            QueuedAnnouncement.announce(pushes, enqueued, clock: clock, signal: signal, events: events)
            return enqueued
        }
    }

    /// Callers waiting for a commit (tests use it to know callers gathered).
    var waitingCallers: Int { group.waitingCallers }

    /// Enqueues one hook call's pushes; returns when they are committed.
    public func enqueue(_ pushes: [NewPush]) async throws -> [EnqueuedPush] {
        try await group.submit(pushes)
    }
}
