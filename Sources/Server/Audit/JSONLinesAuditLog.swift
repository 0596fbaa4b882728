import Foundation
import Logging
import PushCompose
import ServiceLifecycle

/// The audit log: one JSON object a line, in `audit-YYYY-MM-DD.jsonl` files under its
/// directory, a new file each UTC day and whenever one passes `maxFileBytes`
/// (`audit-YYYY-MM-DD.1.jsonl`, `.2`, …). Records are written by one background task,
/// so the hook only hands them over.
final class JSONLinesAuditLog: AuditSink, Service {
    private enum Item: Sendable {
        case line(String)
        case flush(CheckedContinuation<Void, Never>)
    }

    let directory: URL
    let maxFileBytes: Int
    private let logger: Logger
    private let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    init(directory: URL, maxFileBytes: Int = 64 << 20, logger: Logger) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.maxFileBytes = maxFileBytes
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
    }

    func record(_ record: JSONValue) {
        continuation.yield(.line(JSONEncoding.string(record) + "\n"))
    }

    func flush() async {
        await withCheckedContinuation { done in
            if case .terminated = continuation.yield(.flush(done)) { done.resume() }
        }
    }

    /// Writes records until graceful shutdown, then writes what is left and returns.
    func run() async throws {
        var writer = RotatingFileWriter(directory: directory, maxFileBytes: maxFileBytes)
        await withGracefulShutdownHandler {
            for await item in stream {
                switch item {
                case .line(let line):
                    do {
                        try writer.append(line)
                    } catch {
                        logger.error("audit log write failed: \(error)")
                    }
                case .flush(let done):
                    writer.sync()
                    done.resume()
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
        writer.close()
    }
}

/// Appends lines to the current day's file, starting a new one by day or by size.
struct RotatingFileWriter {
    let directory: URL
    let maxFileBytes: Int
    private var handle: FileHandle?
    private var day = ""
    private var sequence = 0
    private var size = 0

    init(directory: URL, maxFileBytes: Int) {
        self.directory = directory
        self.maxFileBytes = maxFileBytes
    }

    static func dayString(_ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    func fileURL(day: String, sequence: Int) -> URL {
        directory.appendingPathComponent(sequence == 0 ? "audit-\(day).jsonl" : "audit-\(day).\(sequence).jsonl")
    }

    mutating func append(_ line: String) throws {
        let today = Self.dayString(Date())
        let data = Data(line.utf8)
        if handle == nil || today != day || (size > 0 && size + data.count > maxFileBytes) {
            try open(day: today)
        }
        try handle!.write(contentsOf: data)
        size += data.count
    }

    /// Opens the day's latest file that still has room.
    private mutating func open(day newDay: String) throws {
        close()
        if newDay != day { sequence = 0 } else { sequence += 1 }
        day = newDay
        let manager = FileManager.default
        while true {
            let url = fileURL(day: day, sequence: sequence)
            if !manager.fileExists(atPath: url.path) {
                _ = manager.createFile(atPath: url.path, contents: nil)
            }
            let existing = (try? manager.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            if existing < maxFileBytes {
                let handle = try FileHandle(forWritingTo: url)
                try handle.seekToEnd()
                self.handle = handle
                size = existing
                return
            }
            sequence += 1
        }
    }

    func sync() {
        try? handle?.synchronize()
    }

    mutating func close() {
        try? handle?.close()
        handle = nil
    }
}
