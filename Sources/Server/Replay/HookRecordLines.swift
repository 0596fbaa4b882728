import AuditLog
import Foundation

/// The `_receiversOffline` records of an audit directory within a time range, oldest
/// first: each stream's files in order (only those that may hold the range, plain or
/// compressed), the streams (one per writing instance) merged by record time. One line
/// per stream is held at a time, so memory does not grow with the log. The reads block:
/// use it from a thread of its own, not from Swift's cooperative pool.
final class HookRecordLines {
    struct Line {
        /// The record's `time`, as written.
        var time: String
        var bytes: [UInt8]
    }

    private let streams: [StreamLines]

    /// - Parameters:
    ///   - since: records at or after this `AuditTime` text.
    ///   - until: records before it.
    init(directory: URL, since: String?, until: String?) throws {
        streams = try AuditDirectory(url: directory).streams().sorted { $0.key < $1.key }.map { _, files in
            StreamLines(files: files.filter { $0.mayHold(since: since, until: until) }, since: since, until: until)
        }
    }

    /// The earliest hook record not yet taken (the first stream's on a tie); nil at the end.
    func next() throws -> Line? {
        var earliest: StreamLines?
        for stream in streams {
            guard let line = try stream.peek() else { continue }
            if earliest == nil || line.time < earliest!.peeked!.time { earliest = stream }
        }
        return earliest?.take()
    }
}

/// One stream's hook records in file order.
private final class StreamLines {
    private var files: ArraySlice<AuditDirectory.File>
    private var reader: AuditLineReader?
    private(set) var peeked: HookRecordLines.Line?
    private let since: String?
    private let until: String?

    init(files: [AuditDirectory.File], since: String?, until: String?) {
        self.files = files[...]
        self.since = since
        self.until = until
    }

    deinit { reader?.close() }

    func peek() throws -> HookRecordLines.Line? {
        while peeked == nil {
            if reader == nil {
                guard let file = files.popFirst() else { return nil }
                reader = try AuditLineReader(url: file.url)
            }
            guard let line = try reader!.next() else {
                reader!.close()
                reader = nil
                continue
            }
            // A torn last line is no record.
            guard line.complete, let time = Self.time(of: line.bytes), Self.isHook(line.bytes) else { continue }
            if let since, time < since { continue }
            if let until, time >= until { continue }
            peeked = HookRecordLines.Line(time: time, bytes: Array(line.bytes))
        }
        return peeked
    }

    func take() -> HookRecordLines.Line? {
        defer { peeked = nil }
        return peeked
    }

    private static let timeOpening = Array(#"{"time":""#.utf8)
    /// Where every record writes its time.
    private static let timeRange = 9..<33

    /// The time of a line that starts as every record does; nil for any other line.
    private static func time(of line: ArraySlice<UInt8>) -> String? {
        let start = line.startIndex
        guard line.count > timeRange.upperBound, line.starts(with: timeOpening),
            line[start + timeRange.upperBound] == UInt8(ascii: "\"")
        else { return nil }
        return String(decoding: line[(start + timeRange.lowerBound)..<(start + timeRange.upperBound)], as: UTF8.self)
    }

    private static let hookKind = Array(#""kind":"hook""#.utf8)
    /// Records written before schema 1 named the function after `"type":"hook"`.
    private static let legacyHook = Array(#""type":"hook","function":"_receiversOffline""#.utf8)
    /// The kind follows the time and the version: within the line's first bytes.
    private static let kindWindow = 96

    private static func isHook(_ line: ArraySlice<UInt8>) -> Bool {
        let window = line.prefix(kindWindow)
        return contains(window, hookKind) || contains(window, legacyHook)
    }

    private static func contains(_ bytes: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard bytes.count >= needle.count else { return false }
        var index = bytes.startIndex
        while index <= bytes.endIndex - needle.count {
            if bytes[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
