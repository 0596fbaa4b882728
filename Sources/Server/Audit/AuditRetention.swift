/// How much audit history a stream keeps: files older than `maxAgeDays` (by their day)
/// and, past `maxBytes` in all, the oldest files are deleted; 0 keeps all. The file
/// being written is never deleted.
struct AuditRetention: Sendable, Equatable {
    var maxAgeDays = 0
    var maxBytes = 0

    var keepsAll: Bool { maxAgeDays == 0 && maxBytes == 0 }
}
