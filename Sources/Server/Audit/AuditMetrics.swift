import Metrics

/// What `/metrics` says of the audit log: records it could not write (the hooks were
/// answered all the same) and failed writes.
struct AuditMetrics: Sendable {
    private let queueFull: Counter
    private let writeFailed: Counter
    private let failures: Counter

    init(factory: any MetricsFactory) {
        queueFull = Counter(label: "pushcompose_audit_dropped_records_total", dimensions: [("reason", "queue full")], factory: factory)
        writeFailed = Counter(label: "pushcompose_audit_dropped_records_total", dimensions: [("reason", "write failed")], factory: factory)
        failures = Counter(label: "pushcompose_audit_write_failures_total", factory: factory)
    }

    func dropped(_ count: Int, queueFull full: Bool) {
        (full ? queueFull : writeFailed).increment(by: count)
    }

    func writeFailure() {
        failures.increment()
    }
}
