/// Where delivery events go: the server's audit log and metrics.
///
/// Events come in batches (one enqueue commit's `queued` events, an attempt and its
/// outcome), so that a sink that writes them awaits one write for the batch.
public protocol DeliveryEventSink: Sendable {
    func record(_ events: [DeliveryEvent]) async
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
}
