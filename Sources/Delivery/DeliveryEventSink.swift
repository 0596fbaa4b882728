/// Where delivery events go: the server's audit log and metrics.
///
/// Events come in batches (one enqueue commit's `queued` events, an attempt and its
/// outcome), so that a sink that writes them awaits one write for the batch.
public protocol DeliveryEventSink: Sendable {
    /// Returns once the events are recorded (the audit log: written).
    func record(_ events: [DeliveryEvent]) async
    /// Hands the events over without waiting: they are recorded in order, before anything
    /// recorded after the call. A commit's `queued` events go this way (`QueuedAnnouncement`),
    /// so the next commit does not wait for the audit log's write.
    func submit(_ events: [DeliveryEvent])
}

/// Hands each event to several sinks in order.
public struct DeliveryEventSinks: DeliveryEventSink {
    public var sinks: [any DeliveryEventSink]

    public init(_ sinks: [any DeliveryEventSink]) {
        self.sinks = sinks
    }

    public func record(_ events: [DeliveryEvent]) async {
        for sink in sinks { await sink.record(events) }
    }

    public func submit(_ events: [DeliveryEvent]) {
        for sink in sinks { sink.submit(events) }
    }
}
