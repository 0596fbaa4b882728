/// What the audit log keeps of message text (and of payloads, which carry it), as
/// configured (`auditText`).
enum AuditTextMode: String, Sendable, CaseIterable {
    case full
    /// An HMAC-SHA256 of the text under a secret key: equal texts can be matched, and
    /// without the key no text can be recovered by trying candidates.
    case hash
    case none
}
