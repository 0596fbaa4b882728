/// What the audit log keeps of message text (and of payloads, which carry it).
enum AuditTextMode: String, Sendable, CaseIterable {
    case full
    /// A SHA-256 of the text: equal texts can be matched, none can be read.
    case hash
    case none
}
