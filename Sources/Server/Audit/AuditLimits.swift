/// What one audit record may hold, so that no call can make its record (held in memory
/// until written) large: a 1 MiB text or 10,000 receivers make a record of a few KiB.
enum AuditLimits {
    /// UTF-8 bytes kept of message text and of each payload (`auditText: full`), and of
    /// a conversation name. A longer one is cut at a character boundary, and its record
    /// says so with `<key>TruncatedFrom`: the full length in bytes.
    static let textBytes = 4096
    /// Entries listed of each list (groups; a group's receivers; coalesced, excluded,
    /// mutedUnforced, depersonalized receivers; render failures; the answer's
    /// offlinePeers). A longer list is listed up to this, and `<key>Omitted` counts the rest.
    static let listEntries = 1000

    /// The longest prefix of whole characters of `text` within `textBytes`, when `text`
    /// is longer; nil when it is within.
    static func cut(_ text: String) -> Substring? {
        guard text.utf8.count > textBytes else { return nil }
        var end = text.startIndex
        var bytes = 0
        for index in text.indices {
            let next = text.index(after: index)
            bytes += text.utf8.distance(from: index, to: next)
            if bytes > textBytes { break }
            end = next
        }
        return text[..<end]
    }
}
