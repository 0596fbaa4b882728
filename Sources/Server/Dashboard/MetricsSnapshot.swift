import Foundation

/// The service's counters at one moment, read from the same exposition `/metrics`
/// serves, so that what the dashboard shows is what a Prometheus scrape would see.
struct MetricsSnapshot: Sendable {
    var time: TimeInterval
    /// Every hook function's calls: the sum of `pushcompose_hook_duration_seconds_count`.
    var hookCalls: Double = 0
    /// `pushcompose_hook_answers_total` by kind (`push`, `skip`, `error`).
    var answers: [String: Double] = [:]
    var coalesced: Double = 0
    /// The sum of `pushcompose_render_failures_total` over templates.
    var renderFailures: Double = 0
    /// Hook durations' cumulative buckets summed over functions, by upper bound in
    /// seconds (`+Inf` as infinity), ascending.
    var latencyBuckets: [(upperBound: Double, count: Double)] = []
    /// Ready and leased jobs: the `pushcompose_queue_jobs` gauges; nil with no provider on.
    var queueDepth: Double?

    /// Reads the Prometheus text exposition; `queueOn` says whether queue gauges count.
    init(exposition: String, time: TimeInterval, queueOn: Bool) {
        self.time = time
        var buckets: [Double: Double] = [:]
        var depth = 0.0
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let name = series.prefix { $0 != "{" }
            switch name {
            case "pushcompose_hook_duration_seconds_count": hookCalls += value
            case "pushcompose_hook_duration_seconds_bucket":
                guard let bound = Self.label("le", in: series) else { continue }
                let upper = bound == "+Inf" ? Double.infinity : Double(bound) ?? .nan
                if !upper.isNaN { buckets[upper, default: 0] += value }
            case "pushcompose_hook_answers_total":
                if let kind = Self.label("kind", in: series) { answers[kind, default: 0] += value }
            case "pushcompose_coalesced_receivers_total": coalesced += value
            case "pushcompose_render_failures_total": renderFailures += value
            case "pushcompose_queue_jobs":
                if let state = Self.label("state", in: series), state == "ready" || state == "leased" { depth += value }
            default: continue
            }
        }
        latencyBuckets = buckets.sorted { $0.key < $1.key }.map { (upperBound: $0.key, count: $0.value) }
        queueDepth = queueOn ? depth : nil
    }

    /// A label's value in `name{a="x",b="y"}`; metric labels here never hold quotes. The
    /// name is matched whole (`le` is not the end of `handle`).
    private static func label(_ label: String, in series: Substring) -> String? {
        guard let range = series.range(of: "{" + label + "=\"") ?? series.range(of: "," + label + "=\"") else { return nil }
        let rest = series[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// The `q` quantile of the hook durations between `earlier` and this snapshot, in
    /// seconds, interpolated within its bucket as Prometheus' `histogram_quantile` does;
    /// nil when no call ended in between.
    func latencyQuantile(_ q: Double, since earlier: MetricsSnapshot?) -> Double? {
        let before = Dictionary(earlier?.latencyBuckets.map { ($0.upperBound, $0.count) } ?? [], uniquingKeysWith: +)
        let counts = latencyBuckets.map { (upperBound: $0.upperBound, count: $0.count - (before[$0.upperBound] ?? 0)) }
        guard let total = counts.last?.count, total > 0 else { return nil }
        let rank = q * total
        var lower = 0.0, below = 0.0
        for bucket in counts {
            if bucket.count >= rank {
                // Past the last finite bound nothing is known but that bound.
                if bucket.upperBound.isInfinite { return lower }
                let inBucket = bucket.count - below
                return inBucket > 0 ? lower + (bucket.upperBound - lower) * (rank - below) / inBucket : bucket.upperBound
            }
            lower = bucket.upperBound.isInfinite ? lower : bucket.upperBound
            below = bucket.count
        }
        return lower
    }
}
