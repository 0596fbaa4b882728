import AuditLog
import Foundation
import PushCompose
import Synchronization

/// The last `audit verify` this instance ran for the admin API, kept so that a page can
/// show the chain's state without reading every file each time it is opened.
final class AuditVerification: Sendable {
    private struct Last {
        var report: VerifyReport
        var checkedAt: Date
    }

    private let last = Mutex<Last?>(nil)
    /// The check under way, which callers arriving meanwhile wait for.
    private let running = Mutex<Task<VerifyReport, any Error>?>(nil)

    /// Runs `check` and keeps its report, unless a check is already under way: then the
    /// caller shares that one's report. Verify reads every audit file, so however many
    /// ask at once (a page open in several tabs, a client retrying), the files are read
    /// by one check at a time.
    func verify(_ check: @escaping @Sendable () async throws -> VerifyReport) async throws {
        let task = running.withLock { running in
            if let running { return running }
            let task = Task { try await check() }
            running = task
            return task
        }
        defer { running.withLock { if $0 == task { $0 = nil } } }
        let report = try await task.value
        record(report, at: Date())
    }

    private func record(_ report: VerifyReport, at time: Date) {
        last.withLock { $0 = Last(report: report, checkedAt: time) }
    }

    /// `{"state", "checkedAt", "report"}`: `state` is `ok` (the chain holds), `broken`,
    /// `unchecked` (not verified since start) or `off` (records are not chained);
    /// `report` is what `audit verify --json` prints.
    func json(chainOn: Bool) -> JSONValue {
        let last = last.withLock { $0 }
        let state = !chainOn ? "off" : last.map { $0.report.holds ? "ok" : "broken" } ?? "unchecked"
        return .object([
            (key: "state", value: .string(state)),
            (key: "checkedAt", value: last.map { .string(UTCTimestamp.iso8601($0.checkedAt)) } ?? .null),
            (key: "report", value: last?.report.json ?? .null),
        ])
    }
}
