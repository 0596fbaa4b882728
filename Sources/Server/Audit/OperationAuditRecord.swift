import AuditLog
import Foundation
import Hummingbird
import PushCompose

/// An operator's action, recorded as an `operation` record: what was done (`action`),
/// through what (`via`: `dashboard` for a session, `api` for the bearer token), and what
/// it touched, so that "who retried these?" has an answer in the same log as the pushes.
enum OperationAuditRecord {
    enum Action: String {
        case retryJob, retryAllDead, purgeDead, removeDevice, reloadTemplates
    }

    /// `members` are written in order after `action` and `via`.
    static func line(_ action: Action, request: Request, members: [(String, JSONValue)]) -> AuditLine {
        var record = HookAuditRecord.start(.operation, time: UTCTimestamp.iso8601(Date()))
        record.member("action", action.rawValue)
        // The bearer token comes in Authorization; a dashboard session never does.
        record.member("via", request.headers[.authorization] == nil ? "dashboard" : "api")
        for (key, value) in members { record.member(key, value) }
        return AuditLine(bytes: record.finish())
    }
}
