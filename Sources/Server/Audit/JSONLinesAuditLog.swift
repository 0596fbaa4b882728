import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The audit log: one JSON object a line, in `audit-YYYY-MM-DD.jsonl` files under its
/// directory, a new file each UTC day and whenever one passes `maxFileBytes`
/// (`audit-YYYY-MM-DD.1.jsonl`, `.2`, …).
///
/// `record` only appends to a queue in memory; one background task writes what has
/// queued up with one system call, so under load records are batched and the hook never
/// waits on the disk. The writes run on a dispatch queue of their own, off Swift's
/// cooperative pool: a write that blocks on the disk must not hold one of the pool's few
/// threads (one per core), which the hook's requests run on.
final class JSONLinesAuditLog: AuditSink, Service {
    private enum Item: Sendable {
        case record(AuditLine)
        case flush(CheckedContinuation<Void, Never>)
    }

    let directory: URL
    let maxFileBytes: Int
    private let logger: Logger
    private let queue = Mutex<[Item]>([])
    /// Wakes the writer; holds at most one pending wake-up.
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let writerQueue = DispatchQueue(label: "pushcompose.audit-writer")
    static let batchingPause = Duration.milliseconds(2)

    init(directory: URL, maxFileBytes: Int = 64 << 20, logger: Logger) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.maxFileBytes = maxFileBytes
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func record(_ line: AuditLine) {
        enqueue(.record(line))
    }

    func flush() async {
        await withCheckedContinuation { done in enqueue(.flush(done)) }
    }

    private func enqueue(_ item: Item) {
        let wasEmpty = queue.withLock { queue in
            queue.append(item)
            return queue.count == 1
        }
        if wasEmpty { wake.yield() }
    }

    /// Writes records until graceful shutdown, then writes what is left and returns.
    func run() async throws {
        let file = OpenAuditFile(RotatingFileWriter(directory: directory, maxFileBytes: maxFileBytes))
        await withGracefulShutdownHandler {
            for await _ in wakeups {
                await drainOnWriterQueue(file)
                // Under load a record arrives every few dozen microseconds; waking two
                // threads for each was a tenth of the server's CPU in thread switches.
                // Pausing after a write lets the next ones gather into one batch. An
                // idle log still writes a lone record at once.
                try? await Task.sleep(for: Self.batchingPause)
            }
        } onGracefulShutdown: {
            self.wake.finish()
        }
        await drainOnWriterQueue(file)
        writerQueue.sync { file.writer.close() }
    }

    private func drainOnWriterQueue(_ file: OpenAuditFile) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            writerQueue.async {
                self.drain(into: &file.writer)
                done.resume()
            }
        }
    }

    private func drain(into writer: inout RotatingFileWriter) {
        while true {
            let batch = queue.withLock { queue in
                let taken = queue
                queue.removeAll(keepingCapacity: true)
                return taken
            }
            if batch.isEmpty { return }
            var lines: [[UInt8]] = []
            var waiting: [CheckedContinuation<Void, Never>] = []
            for item in batch {
                switch item {
                case .record(let line): lines.append(line.bytes)
                case .flush(let done): waiting.append(done)
                }
            }
            do {
                try writer.append(lines: lines)
            } catch {
                logger.error("audit log write failed: \(error)")
            }
            waiting.forEach { $0.resume() }
        }
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

    func fileURL(day: String, sequence: Int) -> URL {
        directory.appendingPathComponent(sequence == 0 ? "audit-\(day).jsonl" : "audit-\(day).\(sequence).jsonl")
    }

    /// Writes the lines with as few system calls as rotation allows.
    mutating func append(lines: [[UInt8]]) throws {
        guard !lines.isEmpty else { return }
        let today = UTCTimestamp.day()
        var chunk = Data()
        for line in lines {
            let length = line.count + 1
            if handle == nil || today != day || (size > 0 && size + length > maxFileBytes) {
                if !chunk.isEmpty { try handle?.write(contentsOf: chunk) }
                chunk.removeAll(keepingCapacity: true)
                try open(day: today, room: length)
            }
            chunk.append(contentsOf: line)
            chunk.append(0x0A)
            size += length
        }
        try handle?.write(contentsOf: chunk)
    }

    /// Opens the day's newest file when it has `room`, else starts the next one, so that
    /// records stay in order across files and restarts.
    private mutating func open(day newDay: String, room: Int) throws {
        let continuing = newDay == day && handle != nil
        close()
        day = newDay
        let manager = FileManager.default
        if continuing {
            sequence += 1
        } else {
            sequence = 0
            while manager.fileExists(atPath: fileURL(day: day, sequence: sequence + 1).path) { sequence += 1 }
        }
        var url = fileURL(day: day, sequence: sequence)
        var existing = (try? manager.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        if existing > 0 && existing + room > maxFileBytes {
            sequence += 1
            url = fileURL(day: day, sequence: sequence)
            existing = 0
        }
        if !manager.fileExists(atPath: url.path) {
            _ = manager.createFile(atPath: url.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        self.handle = handle
        size = existing
    }

    mutating func close() {
        try? handle?.close()
        handle = nil
    }
}

/// The audit file's writer, used only on the writer queue, which is what makes sharing
/// it between the writer task and that queue safe.
private final class OpenAuditFile: @unchecked Sendable {
    var writer: RotatingFileWriter
    init(_ writer: RotatingFileWriter) { self.writer = writer }
}
