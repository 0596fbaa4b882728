import Metrics
import Foundation
import Synchronization

/// Delivery's metrics, from its events and the queue's stats, in the server's metrics
/// factory (the Prometheus registry behind `/metrics`):
///
/// - `pushcompose_deliveries_total{provider, outcome}`: attempts by outcome
///   (`delivered`, `retry`, `device_gone`, `failed`), and `dead` jobs;
/// - `pushcompose_delivery_attempt_duration_seconds{provider}`;
/// - `pushcompose_device_removals_total{provider}`;
/// - `pushcompose_queue_jobs{provider, state}`,
///   `pushcompose_queue_oldest_ready_seconds`, `pushcompose_queue_intake_records`, and
///   per instance working the queue
///   `pushcompose_queue_instance_workers{instance}` and
///   `pushcompose_queue_instance_leases{instance}`, set by `update(with:now:)`.
public final class DeliveryMetrics: DeliveryEventSink {
    private let factory: any MetricsFactory
    private let counters = Mutex<[String: Counter]>([:])
    private let timers: [ProviderKind: Metrics.Timer]
    private let depth: [ProviderKind: [JobState: Gauge]]
    private let oldestReady: Gauge
    private let intakeRecords: Gauge
    /// Per instance id: its workers and its leases.
    private let instanceGauges = Mutex<[String: (workers: Gauge, leases: Gauge)]>([:])

    public init(factory: any MetricsFactory) {
        self.factory = factory
        var timers: [ProviderKind: Metrics.Timer] = [:]
        var depth: [ProviderKind: [JobState: Gauge]] = [:]
        for provider in ProviderKind.allCases {
            timers[provider] = Metrics.Timer(
                label: "pushcompose_delivery_attempt_duration_seconds", dimensions: [("provider", provider.rawValue)], factory: factory)
            for state in JobState.allCases {
                depth[provider, default: [:]][state] = Gauge(
                    label: "pushcompose_queue_jobs", dimensions: [("provider", provider.rawValue), ("state", state.rawValue)], factory: factory)
            }
        }
        self.timers = timers
        self.depth = depth
        oldestReady = Gauge(label: "pushcompose_queue_oldest_ready_seconds", factory: factory)
        intakeRecords = Gauge(label: "pushcompose_queue_intake_records", factory: factory)
    }

    public func record(_ events: [DeliveryEvent]) async {
        submit(events)
    }

    public func submit(_ events: [DeliveryEvent]) {
        for event in events { count(event) }
    }

    private func count(_ event: DeliveryEvent) {
        switch event.kind {
        case .attempt(let attempt):
            timers[event.provider]?.record(duration: attempt.duration)
            count("pushcompose_deliveries_total", event.provider, outcome: Self.outcomeName(attempt.outcome))
        case .dead:
            count("pushcompose_deliveries_total", event.provider, outcome: "dead")
        case .deviceRemoved:
            count("pushcompose_device_removals_total", event.provider, outcome: nil)
        case .queued, .delivered, .leaseLost:
            break
        }
    }

    /// Sets the queue gauges from the queue's stats (the server calls it before a scrape).
    public func update(with stats: QueueStats, now: Date) {
        for provider in ProviderKind.allCases {
            let counts = stats.counts(provider)
            depth[provider]?[.ready]?.record(counts.ready)
            depth[provider]?[.leased]?.record(counts.leased)
            depth[provider]?[.dead]?.record(counts.dead)
        }
        oldestReady.record(stats.oldestReadyAge(now: now).seconds)
        intakeRecords.record(stats.intakeRecords)
        instanceGauges.withLock { gauges in
            let listed = Set(stats.instances.map(\.id))
            // An instance no longer listed (forgotten) reads zero rather than its last value.
            for (id, gauge) in gauges where !listed.contains(id) {
                gauge.workers.record(0)
                gauge.leases.record(0)
            }
            for instance in stats.instances {
                let gauge = gauges[instance.id] ?? (
                    workers: Gauge(label: "pushcompose_queue_instance_workers", dimensions: [("instance", instance.id)], factory: factory),
                    leases: Gauge(label: "pushcompose_queue_instance_leases", dimensions: [("instance", instance.id)], factory: factory))
                gauges[instance.id] = gauge
                gauge.workers.record(instance.workers)
                gauge.leases.record(instance.leases)
            }
        }
    }

    public static func outcomeName(_ outcome: DeliveryOutcome) -> String {
        switch outcome {
        case .delivered: return "delivered"
        case .retry: return "retry"
        case .deviceGone: return "device_gone"
        case .failedPermanently: return "failed"
        }
    }

    /// Counters are made on first use and kept: making one looks it up under a lock.
    private func count(_ label: String, _ provider: ProviderKind, outcome: String?) {
        let key = "\(label)|\(provider.rawValue)|\(outcome ?? "")"
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            var dimensions = [("provider", provider.rawValue)]
            if let outcome { dimensions.append(("outcome", outcome)) }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
