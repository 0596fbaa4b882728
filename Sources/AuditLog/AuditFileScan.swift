import Foundation

/// The records of one audit file that match a query, in the query's order: each line
/// passes the byte prefilter before it is parsed. A last line cut short (a crash, or the
/// live file's line being written) is skipped.
enum AuditFileScan {
    /// At most `cap` records: oldest first, the file's first matches; newest first, its
    /// last ones, the file read to its end. Stops early once `stop` says so.
    static func matches(
        in file: AuditDirectory.File, query: AuditQuery, prefilter: AuditLinePrefilter, cap: Int, stop: AuditSearchStop
    ) throws -> [AuditRecord] {
        var reader: AuditLineReader
        do {
            reader = try AuditLineReader(url: file.url)
        } catch CocoaError.fileReadNoSuchFile {
            return []  // Retention deleted it since the directory was listed.
        }
        defer { reader.close() }
        let newestFirst = query.order == .newestFirst
        var found: [AuditRecord] = []
        // Newest first keeps the last `cap` matches, the oldest overwritten in turn.
        var oldest = 0
        var sinceCheck = 0
        do {
            while newestFirst || found.count < cap, let line = try reader.next() {
                sinceCheck += 1
                if sinceCheck == 4096 {
                    if stop.requested { break }
                    sinceCheck = 0
                }
                guard line.complete, line.bytes.withUnsafeBytes({ prefilter.admits($0) }) else { continue }
                guard let record = AuditRecord(line: Array(line.bytes), stream: file.name.stream), query.matches(record) else { continue }
                if found.count < cap {
                    found.append(record)
                } else {
                    found[oldest] = record
                    oldest = (oldest + 1) % cap
                }
            }
        } catch {
            throw AuditSearchError(file: file.name.description, reason: "\(error)")
        }
        guard newestFirst else { return found }
        return Array((found[oldest...] + found[..<oldest]).reversed())
    }
}

/// A file could not be read (a damaged compressed file, say): which, and why.
public struct AuditSearchError: Error, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "cannot read audit file \(file): \(reason)" }
}

/// Tells scans still running that their results are no longer wanted.
final class AuditSearchStop: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    var requested: Bool { lock.withLock { stopped } }

    func request() { lock.withLock { stopped = true } }
}
