import AuditLog
import Foundation
import Hummingbird
import PushCompose

/// An operator's action, recorded as an `operation` record: what was done (`action`),
/// through what (`via`), and what it touched, so that "who retried these?" has an answer
/// in the same log as the pushes.
enum OperationAuditRecord {
    enum Action: String {
        case retryJob, retryAllDead, purgeDead, removeDevice, reloadTemplates
    }

    /// Where the action came from.
    enum Via: String {
        /// A signed-in dashboard session.
        case dashboard
        /// The admin API's bearer token.
        case api
        /// A `pushcompose` command run on the data directory or database.
        case cli

        /// The admin API's caller: the bearer token comes in Authorization, a dashboard
        /// session never does.
        init(_ request: Request) {
            self = request.headers[.authorization] == nil ? .dashboard : .api
        }
    }

    /// `members` are written in order after `action` and `via`.
    static func line(_ action: Action, via: Via, members: [(String, JSONValue)]) -> AuditLine {
        var record = HookAuditRecord.start(.operation, time: UTCTimestamp.iso8601(Date()))
        record.member("action", action.rawValue)
        record.member("via", via.rawValue)
        for (key, value) in members { record.member(key, value) }
        return AuditLine(bytes: record.finish())
    }

    static func line(_ action: Action, request: Request, members: [(String, JSONValue)]) -> AuditLine {
        line(action, via: Via(request), members: members)
    }
}
