/// What follows a commit that made jobs: one `queued` event per job, then a wake-up for
/// each provider that has new work. The events go first, so that no attempt's event can
/// precede its job's `queued`.
enum QueuedAnnouncement {
    static func announce(
        _ pushes: [NewPush], _ enqueued: [EnqueuedPush], clock: any DeliveryClock, signal: WorkSignal, events: any DeliveryEventSink
    ) {
        let now = clock.now()
        var queued: [DeliveryEvent] = []
        var providers: Set<ProviderKind> = []
        for (push, result) in zip(pushes, enqueued) {
            for (device, jobId) in zip(push.devices, result.jobIds) {
                providers.insert(device.provider)
                queued.append(
                    DeliveryEvent(
                        time: now, kind: .queued(badge: result.badge), jobId: jobId, pushId: push.pushId,
                        hookCallId: push.hookCallId, receiver: push.receiver, conversation: push.conversation, provider: device.provider, token: device.token))
            }
        }
        // Not awaited: the audit log's writer keeps them in order before anything
        // recorded later (the jobs' attempts among it).
        events.submit(queued)
        for provider in providers { signal.notify(provider) }
    }
}
