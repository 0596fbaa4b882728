/// Enqueues the pushes of concurrent hook calls in shared transactions (`GroupCommit`),
/// so calls do not wait on one commit each; after each commit it wakes the providers'
/// workers and records one `queued` event per job.
public final class GroupCommitEnqueuer: Sendable {
    private let group: GroupCommit<NewPush, EnqueuedPush>

    public init(queue: any DeliveryQueue, clock: any DeliveryClock, signal: WorkSignal, events: any DeliveryEventSink) {
        group = GroupCommit { pushes in
            let enqueued = try await queue.enqueue(pushes, now: clock.now())
            Self.committed(pushes, enqueued, clock: clock, signal: signal, events: events)
            return enqueued
        }
    }

    /// Callers waiting for a commit (tests use it to know callers gathered).
    var waitingCallers: Int { group.waitingCallers }

    /// Enqueues one hook call's pushes; returns when they are committed.
    public func enqueue(_ pushes: [NewPush]) async throws -> [EnqueuedPush] {
        try await group.submit(pushes)
    }

    private static func committed(
        _ pushes: [NewPush], _ enqueued: [EnqueuedPush], clock: any DeliveryClock, signal: WorkSignal, events: any DeliveryEventSink
    ) {
        var providers: Set<ProviderKind> = []
        for push in pushes { providers.formUnion(push.devices.map(\.provider)) }
        for provider in providers { signal.notify(provider) }
        let now = clock.now()
        var queued: [DeliveryEvent] = []
        for (push, result) in zip(pushes, enqueued) {
            for (device, jobId) in zip(push.devices, result.jobIds) {
                queued.append(
                    DeliveryEvent(
                        time: now, kind: .queued(badge: result.badge), jobId: jobId, pushId: push.pushId,
                        hookCallId: push.hookCallId, receiver: push.receiver, conversation: push.conversation, provider: device.provider, token: device.token))
            }
        }
        // Not awaited: waiting for their write held the next commit back (1.8 ms at the
        // median under delivery load), and each caller's own record, awaited after this
        // by the same in-order writer, covers them.
        events.submit(queued)
    }
}
