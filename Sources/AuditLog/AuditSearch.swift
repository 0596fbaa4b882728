import Foundation

/// Searches a directory's audit files: the files that may hold the query's time range,
/// plain or compressed, each stream in file order (backwards for newest first), the
/// streams (one per writing instance) merged by record time. Memory does not grow with
/// the log: records are handed over as they are found, and only the files scanned ahead
/// wait, at most the limit's worth each.
/// The reads block: call it from a thread of its own, not from Swift's cooperative pool.
public struct AuditSearch: Sendable {
    public let directory: AuditDirectory

    public init(directory: URL) {
        self.directory = AuditDirectory(url: directory)
    }

    /// Files scanned at once, per stream: the cores this machine has.
    static let lookahead = max(2, ProcessInfo.processInfo.activeProcessorCount)

    /// Hands each record matching `query` to `found` in the query's order, at most `query.limit`.
    /// - Returns: whether more records matched beyond the limit.
    @discardableResult
    public func run(_ query: AuditQuery, found: (AuditRecord) throws -> Void) throws -> Bool {
        precondition(query.limit > 0, "a search's limit is at least 1")
        let prefilter = query.prefilter
        // One more than the limit: to say whether there is more.
        let cap = query.limit == Int.max ? Int.max : query.limit + 1
        let stop = AuditSearchStop()
        defer { stop.request() }
        let newestFirst = query.order == .newestFirst
        let cursors = try directory.streams().sorted { $0.key < $1.key }.map { _, files in
            let searched = files.filter { $0.mayHold(since: query.since, until: query.until) }
            return AuditStreamCursor(files: newestFirst ? searched.reversed() : searched, lookahead: Self.lookahead) { file in
                PendingScan {
                    try AuditFileScan.matches(in: file, query: query, prefilter: prefilter, cap: cap, stop: stop)
                }
            }
        }
        var given = 0
        while let next = try Self.next(cursors, newestFirst: newestFirst) {
            if given == query.limit { return true }
            let record = try next.peek()!
            next.advance()
            try found(record)
            given += 1
        }
        return false
    }

    /// The cursor whose next record is the earliest, or the latest for newest first (the
    /// first stream's on a tie).
    private static func next(_ cursors: [AuditStreamCursor], newestFirst: Bool) throws -> AuditStreamCursor? {
        var best: (cursor: AuditStreamCursor, time: String)?
        for cursor in cursors {
            guard let record = try cursor.peek() else { continue }
            if best == nil || (newestFirst ? record.time > best!.time : record.time < best!.time) { best = (cursor, record.time) }
        }
        return best?.cursor
    }

    /// Every record matching `query` (its limit applies) in its order, and whether there was more.
    public func records(_ query: AuditQuery) throws -> (records: [AuditRecord], more: Bool) {
        var records: [AuditRecord] = []
        let more = try run(query) { records.append($0) }
        return (records, more)
    }
}
