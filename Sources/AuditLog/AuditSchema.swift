/// The audit record schema: one JSON object a line, every record sharing `time`, `v`
/// (this version), `kind` and, where there is one, `call`, `push`, `receiver`,
/// `conversation`; sealed at its end by `prev` and `mac` (`AuditChain`).
public enum AuditSchema {
    public static let version = 1
}

/// What a record tells. The names are the `kind` member's values.
public enum AuditRecordKind: String, Sendable, CaseIterable {
    /// A `_receiversOffline` decision: template, groups, answer, routes.
    case hook
    /// A call refused before a decision (bad input).
    case rejected
    /// What `_conversationUpdate` taught: a mute or a conversation's name.
    case conversationUpdate
    /// An experiment's variant reaching (or assigned and not reaching) receivers.
    case exposure
    /// Delivery: a push committed to the queue, an attempt, its end.
    case queued, attempt, delivered, dead, deviceRemoved, leaseLost
    /// An operator's action through the admin API or the dashboard: retrying or
    /// purging dead jobs, removing a device, reloading templates.
    case operation
    /// A crash left a file ending inside a line; the fragment was set aside.
    case repair
    /// Retention deleted the oldest files; where the kept history starts.
    case checkpoint
    /// Records that were never written (queue full, failed write): how many and why.
    case gap
}
