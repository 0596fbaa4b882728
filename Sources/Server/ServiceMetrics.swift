import Metrics
import Prometheus

/// The service's metrics, in a Prometheus registry of its own (so several servers in
/// one process, as in tests, do not share counters).
final class ServiceMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

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
    }

    func hookDuration(function: String) -> Metrics.Timer {
        Metrics.Timer(label: "pushcompose_hook_duration_seconds", dimensions: [("function", function)], factory: factory)
    }

    /// Answers to `_receiversOffline` by kind: `push`, `skip`, `error`.
    func answer(kind: String) {
        Counter(label: "pushcompose_hook_answers_total", dimensions: [("kind", kind)], factory: factory).increment()
    }

    func coalescedReceivers(_ count: Int) {
        guard count > 0 else { return }
        Counter(label: "pushcompose_coalesced_receivers_total", factory: factory).increment(by: count)
    }

    func renderFailures(_ count: Int, template: String) {
        guard count > 0 else { return }
        Counter(label: "pushcompose_render_failures_total", dimensions: [("template", template)], factory: factory).increment(by: count)
    }

    func clientEvent(_ event: String) {
        Counter(label: "pushcompose_client_events_total", dimensions: [("event", event)], factory: factory).increment()
    }

    /// Template sets refused at reload.
    func templateReloadFailed() {
        Counter(label: "pushcompose_template_reload_failures_total", factory: factory).increment()
    }

    func requestError(status: Int) {
        Counter(label: "pushcompose_request_errors_total", dimensions: [("status", String(status))], factory: factory).increment()
    }

    func exposition() -> String { registry.emitToString() }
}
