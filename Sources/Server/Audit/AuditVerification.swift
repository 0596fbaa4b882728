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

    func record(_ report: VerifyReport, at time: Date) {
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
