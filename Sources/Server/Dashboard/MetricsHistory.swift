import Foundation
import Logging
import PushCompose
import ServiceLifecycle
import Synchronization

/// The last hour of the service's counters, one snapshot every `step`, for the
/// dashboard's charts. Kept in memory by each instance: a restart starts a new hour.
final class MetricsHistory: Service, Sendable {
    let step: Duration
    let capacity: Int
    private let take: @Sendable () async -> MetricsSnapshot
    private let snapshots = Mutex<[MetricsSnapshot]>([])

    /// - Parameter take: reads the counters now (refreshing the queue's gauges first).
    init(step: Duration = .seconds(5), span: Duration = .seconds(3600), take: @escaping @Sendable () async -> MetricsSnapshot) {
        self.step = step
        capacity = Int(span / step) + 1
        self.take = take
    }

    func run() async throws {
        // A timer is the event here: the charts need a sample per step whether or not
        // anything happened.
        // Stops at once on shutdown, not after the step's sleep.
        try? await cancelWhenGracefulShutdown {
            while true {
                self.record(await self.take())
                try await Task.sleep(for: self.step)
            }
        }
    }

    /// The counters now, not recorded.
    func takeNow() async -> MetricsSnapshot { await take() }

    func record(_ snapshot: MetricsSnapshot) {
        snapshots.withLock { snapshots in
            snapshots.append(snapshot)
            if snapshots.count > capacity { snapshots.removeFirst(snapshots.count - capacity) }
        }
    }

    var recorded: [MetricsSnapshot] { snapshots.withLock { $0 } }

    /// `GET /v1/overview`: totals as of now, latency over the last minute, and the
    /// hour's series as per-step changes (calls as a rate).
    func overview(now current: MetricsSnapshot, instance: String) -> JSONValue {
        let history = recorded
        let minuteAgo = history.last { $0.time <= current.time - 60 } ?? history.first
        var series: [JSONValue] = []
        for (previous, next) in zip(history, history.dropFirst()) {
            let seconds = next.time - previous.time
            guard seconds > 0 else { continue }
            func delta(_ value: (MetricsSnapshot) -> Double) -> JSONValue { .number(max(0, value(next) - value(previous))) }
            series.append(.object([
                (key: "time", value: .number(next.time)),
                (key: "callsPerSecond", value: .number(max(0, next.hookCalls - previous.hookCalls) / seconds)),
                (key: "p50Seconds", value: Self.number(next.latencyQuantile(0.5, since: previous))),
                (key: "p99Seconds", value: Self.number(next.latencyQuantile(0.99, since: previous))),
                (key: "push", value: delta { $0.answers["push"] ?? 0 }),
                (key: "skip", value: delta { $0.answers["skip"] ?? 0 }),
                (key: "error", value: delta { $0.answers["error"] ?? 0 }),
                (key: "coalesced", value: delta(\.coalesced)),
                (key: "renderFailures", value: delta(\.renderFailures)),
                (key: "queueDepth", value: Self.number(next.queueDepth)),
            ]))
        }
        let rate: Double? = minuteAgo.flatMap { earlier in
            current.time > earlier.time ? max(0, current.hookCalls - earlier.hookCalls) / (current.time - earlier.time) : nil
        }
        return .object([
            (key: "time", value: .number(current.time)),
            (key: "instance", value: .string(instance)),
            (key: "totals", value: .object([
                (key: "hookCalls", value: .number(current.hookCalls)),
                (key: "answers", value: .object(["push", "skip", "error"].map { (key: $0, value: .number(current.answers[$0] ?? 0)) })),
                (key: "coalesced", value: .number(current.coalesced)),
                (key: "renderFailures", value: .number(current.renderFailures)),
                (key: "queueDepth", value: Self.number(current.queueDepth)),
            ])),
            (key: "callsPerSecond", value: Self.number(rate)),
            (key: "latency", value: .object([
                (key: "p50Seconds", value: Self.number(current.latencyQuantile(0.5, since: minuteAgo))),
                (key: "p99Seconds", value: Self.number(current.latencyQuantile(0.99, since: minuteAgo))),
            ])),
            (key: "stepSeconds", value: .number(step / .seconds(1))),
            (key: "series", value: .array(series)),
        ])
    }

    private static func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
}
