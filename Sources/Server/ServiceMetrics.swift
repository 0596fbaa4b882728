import Metrics
import Prometheus
import Storage
import Synchronization

/// The service's metrics, in a Prometheus registry of its own (so several servers in
/// one process, as in tests, do not share counters).
final class ServiceMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    // Made once: making a metric looks it up in the registry under a lock.
    private let hookTimers: [String: Metrics.Timer]
    private let answers: [String: Metrics.Counter]
    private let coalesced: Metrics.Counter
    private let uncountedExposureGauge: Metrics.Gauge
    private let clientEvents: [String: Metrics.Counter]

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // The hook must answer in milliseconds: resolve the low end finely.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .seconds(1),
        ]
        self.factory = factory
        var hookTimers: [String: Metrics.Timer] = [:]
        for function in HookService.functions {
            hookTimers[function] = Metrics.Timer(
                label: "pushcompose_hook_duration_seconds", dimensions: [("function", function)], factory: factory)
        }
        self.hookTimers = hookTimers
        var answers: [String: Metrics.Counter] = [:]
        for kind in ["push", "skip", "error"] {
            answers[kind] = Metrics.Counter(label: "pushcompose_hook_answers_total", dimensions: [("kind", kind)], factory: factory)
        }
        self.answers = answers
        coalesced = Metrics.Counter(label: "pushcompose_coalesced_receivers_total", factory: factory)
        uncountedExposureGauge = Metrics.Gauge(label: "pushcompose_experiment_uncounted_receivers", factory: factory)
        clientEvents = [
            "online": Metrics.Counter(label: "pushcompose_client_events_total", dimensions: [("event", "online")], factory: factory),
            "offline": Metrics.Counter(label: "pushcompose_client_events_total", dimensions: [("event", "offline")], factory: factory),
        ]
    }

    func recordHookDuration(function: String, _ duration: Duration) {
        hookTimers[function]?.record(duration: duration)
    }

    /// Answers to `_receiversOffline` by kind: `push`, `skip`, `error`.
    func answer(kind: String) {
        answers[kind]?.increment()
    }

    /// Exposures recorded and not yet counted by the experiment store (set before a scrape).
    func uncountedExposures(_ receivers: Int) {
        uncountedExposureGauge.record(receivers)
    }

    func coalescedReceivers(_ count: Int) {
        guard count > 0 else { return }
        coalesced.increment(by: count)
    }

    func renderFailures(_ count: Int, template: String) {
        guard count > 0 else { return }
        Metrics.Counter(label: "pushcompose_render_failures_total", dimensions: [("template", template)], factory: factory).increment(by: count)
    }

    func clientEvent(_ event: String) {
        clientEvents[event]?.increment()
    }

    /// Template sets refused at reload.
    func templateReloadFailed() {
        Metrics.Counter(label: "pushcompose_template_reload_failures_total", factory: factory).increment()
    }

    func requestError(status: Int) {
        Metrics.Counter(label: "pushcompose_request_errors_total", dimensions: [("status", String(status))], factory: factory).increment()
    }

    /// Experiments' pushes by experiment, variant and status (exposed, not-exposed, overridden).
    func experimentExposures(_ exposures: CallExposures) {
        for group in exposures.groups {
            experimentCounter(exposures.experiment, group.variant, group.status).increment(by: group.receivers.count)
        }
    }

    private struct ExperimentCounterKey: Hashable {
        var experiment: String
        var variant: String
        var status: ExposureStatus
    }

    /// Made once per key: making a metric looks it up in the registry under a lock.
    private let experimentCounters = Mutex<[ExperimentCounterKey: Metrics.Counter]>([:])

    private func experimentCounter(_ experiment: String, _ variant: String, _ status: ExposureStatus) -> Metrics.Counter {
        let key = ExperimentCounterKey(experiment: experiment, variant: variant, status: status)
        return experimentCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Metrics.Counter(
                label: "pushcompose_experiment_pushes_total",
                dimensions: [("experiment", experiment), ("variant", variant), ("status", status.rawValue)], factory: factory)
            counters[key] = counter
            return counter
        }
    }

    /// `POST /v1/events` events by outcome (counted, duplicate, outside-window, unknown-push, receiver-needed).
    func openEvents(_ outcome: OpenEventOutcome, count: Int) {
        guard count > 0 else { return }
        Metrics.Counter(label: "pushcompose_experiment_events_total", dimensions: [("outcome", outcome.rawValue)], factory: factory).increment(by: count)
    }

    func exposition() -> String { registry.emitToString() }
}
