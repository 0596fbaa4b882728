/// One audit record, encoded: the UTF-8 of a JSON object, without the line's newline.
/// Records are encoded where they are made, in one pass, and the log only appends them.
struct AuditLine: Sendable {
    var bytes: [UInt8]
}
