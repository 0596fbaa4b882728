/// Where delivery events go: the server's audit log and metrics.
public protocol DeliveryEventSink: Sendable {
    func record(_ event: DeliveryEvent) async
}

/// Hands each event to several sinks in order.
public struct DeliveryEventSinks: DeliveryEventSink {
    public var sinks: [any DeliveryEventSink]

    public init(_ sinks: [any DeliveryEventSink]) {
        self.sinks = sinks
    }

    public func record(_ event: DeliveryEvent) async {
        for sink in sinks { await sink.record(event) }
    }
}
