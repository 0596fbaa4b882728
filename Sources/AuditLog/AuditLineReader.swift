import Foundation

/// Reads an audit file's lines, plain or compressed, a chunk at a time: constant memory
/// whatever the file's size.
public struct AuditLineReader {
    /// One line, without its newline.
    public struct Line {
        public var bytes: ArraySlice<UInt8>
        /// From 1.
        public var number: Int
        /// False for a last line with no newline after it: a write cut short.
        public var complete: Bool
    }

    public let url: URL
    private let handle: FileHandle
    private let inflater: GzipInflater?
    private var buffer: [UInt8] = []
    private var start = 0
    private var number = 0
    private var atEnd = false
    static let chunkSize = 1 << 20
    /// Longer than any record the service writes (texts and lists are capped, an input at
    /// 64 KiB): a file with a longer line is damaged, or not an audit file, and reading it
    /// must not take memory without bound.
    public static let maxLineBytes = 16 << 20

    public init(url: URL) throws {
        self.url = url
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        self.handle = handle
        inflater = url.pathExtension == "gz" ? try GzipInflater() : nil
    }

    public func close() {
        try? handle.close()
    }

    /// The next line; nil at the end of the file.
    public mutating func next() throws -> Line? {
        while true {
            if let newline = newline(from: start) {
                number += 1
                defer { start = newline + 1 }
                return Line(bytes: buffer[start..<newline], number: number, complete: true)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                number += 1
                defer { start = buffer.count }
                return Line(bytes: buffer[start...], number: number, complete: false)
            }
            try fill()
        }
    }

    /// The index of the first newline at or after `from` (memchr: lines are long).
    private func newline(from: Int) -> Int? {
        guard from < buffer.count else { return nil }
        return buffer.withUnsafeBytes { raw in
            memchr(raw.baseAddress! + from, 0x0A, raw.count - from).map { $0 - UnsafeMutableRawPointer(mutating: raw.baseAddress!) }
        }
    }

    private mutating func fill() throws {
        if start > 0 {
            buffer.removeSubrange(..<start)
            start = 0
        }
        guard buffer.count <= Self.maxLineBytes else { throw LineTooLong(url: url, line: number + 1, limit: Self.maxLineBytes) }
        let data = try handle.read(upToCount: Self.chunkSize) ?? Data()
        if data.isEmpty {
            atEnd = true
            return
        }
        if let inflater {
            try data.withUnsafeBytes { try inflater.inflate($0, into: &buffer) }
        } else {
            buffer.append(contentsOf: data)
        }
    }
}

/// A line past `AuditLineReader.maxLineBytes`: the file is damaged or not an audit file.
public struct LineTooLong: Error, CustomStringConvertible {
    public var url: URL
    public var line: Int
    public var limit: Int
    public var description: String { "\(url.lastPathComponent):\(line): a line longer than \(limit) bytes: not an audit record" }
}
