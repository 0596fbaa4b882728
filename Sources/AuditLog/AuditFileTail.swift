import Foundation

/// The last complete line of an audit file. The writer needs the newest seal at every
/// start, and a live file holds up to `maxFileBytes` (64 MiB by default): a plain file is
/// read from its end. A compressed file cannot be read backwards, so it is read through.
public enum AuditFileTail {
    /// The bytes read at once from the end; doubled until a whole line is in them.
    static let firstRead = 64 << 10

    /// The last line that ends with a newline, without it; nil when the file has none
    /// (empty, or one torn line). Bytes after the last newline (a torn write) are ignored.
    public static func lastCompleteLine(of url: URL) throws -> [UInt8]? {
        url.pathExtension == "gz" ? try readThrough(url) : try readFromTheEnd(url)
    }

    private static func readThrough(_ url: URL) throws -> [UInt8]? {
        var reader = try AuditLineReader(url: url)
        defer { reader.close() }
        var last: [UInt8]?
        while let line = try reader.next() {
            if line.complete { last = Array(line.bytes) }
        }
        return last
    }

    private static func readFromTheEnd(_ url: URL) throws -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        var length = UInt64(firstRead)
        while true {
            let start = size > length ? size - length : 0
            try handle.seek(toOffset: start)
            let tail = [UInt8](try handle.read(upToCount: Int(size - start)) ?? Data())
            if let end = tail.lastIndex(of: UInt8(ascii: "\n")) {
                if let before = tail[..<end].lastIndex(of: UInt8(ascii: "\n")) { return Array(tail[(before + 1)..<end]) }
                if start == 0 { return Array(tail[..<end]) }
            } else if start == 0 {
                return nil  // Empty, or one torn line.
            }
            // The last line, or a torn end, is longer than the tail: read more, but no more
            // than a longest line and a longest torn end (a damaged file must not be read
            // into memory whole).
            guard length < UInt64(AuditLineReader.maxLineBytes) * 2 else {
                throw AuditSearchError(file: url.lastPathComponent, reason: "no complete line in its last \(length) bytes")
            }
            length *= 2
        }
    }
}
