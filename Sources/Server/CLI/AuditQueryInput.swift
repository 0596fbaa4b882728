import AuditLog
import Foundation

/// An audit search's filters as given in text, by `audit find`'s options or
/// `GET /v1/audit`'s query parameters, read into an `AuditQuery`. A problem names the filter.
struct AuditQueryInput {
    /// The filters by name (`receiver`, …, `since`, `until`, `limit`, `order`); absent: not given.
    var values: [String: String]

    static let idFilters = ["receiver", "conversation", "push", "call", "template", "experiment", "status"]
    static let names = Set(idFilters + ["kind", "since", "until", "limit", "order"])

    /// A filter's text that cannot be read: which filter, and what it must be instead.
    struct Problem: Error {
        var name: String
        /// Completes "<filter> …": `must be …, not '…'`.
        var reason: String
    }

    func query(now: Date, limits: ClosedRange<Int>, defaultLimit: Int = AuditQuery.defaultLimit) throws(Problem) -> AuditQuery {
        var query = AuditQuery(limit: defaultLimit)
        for name in Self.idFilters {
            guard let text = values[name] else { continue }
            guard !text.isEmpty else { throw Problem(name: name, reason: "must not be empty") }
            switch name {
            case "receiver": query.receiver = text
            case "conversation": query.conversation = text
            case "push": query.push = text
            case "call": query.call = text
            case "template": query.template = text
            case "experiment": query.experiment = text
            default: query.status = text
            }
        }
        if let text = values["kind"] {
            guard let kind = AuditRecordKind(rawValue: text) else {
                throw Problem(name: "kind", reason: "must be one of \(AuditRecordKind.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            query.kind = kind
        }
        query.since = try time("since", now: now)
        query.until = try time("until", now: now)
        if let text = values["limit"] {
            guard let limit = Int(text), limits.contains(limit) else {
                throw Problem(name: "limit", reason: "must be a whole number from \(limits.lowerBound) to \(limits.upperBound), not '\(text)'")
            }
            query.limit = limit
        }
        if let text = values["order"] {
            guard let order = AuditOrder(rawValue: text) else {
                throw Problem(name: "order", reason: "must be \(AuditOrder.allCases.map(\.rawValue).joined(separator: " or ")), not '\(text)'")
            }
            query.order = order
        }
        return query
    }

    /// A time or a duration back from `now`, as the records write times.
    private func time(_ name: String, now: Date) throws(Problem) -> String? {
        guard let text = values[name] else { return nil }
        guard let seconds = PointInTime.parse(text, now: now.timeIntervalSince1970) else {
            throw Problem(name: name, reason: "must be \(PointInTime.help), not '\(text)'")
        }
        return AuditTime.text(Date(timeIntervalSince1970: seconds))
    }
}
