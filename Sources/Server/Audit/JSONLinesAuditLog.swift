import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The audit log: one JSON object a line, in `audit-YYYY-MM-DD.jsonl` files under its
/// directory (`RotatingFileWriter`).
///
/// `record` returns once its record is written (write(2) returned): a hook is answered
/// only then, so killing the process loses no answered decision. Records that arrive
/// while a write is under way go together into the next write, each caller awaiting its
/// own (group commit): under load one system call carries many records, and an idle log
/// writes a lone record at once. What was written is put on the disk (fsync) within
/// `fsyncInterval`, by a queue of its own so that writes go on meanwhile; or before
/// `record` returns when the interval is zero.
///
/// The writes run on a dispatch queue of their own, off Swift's cooperative pool: a write
/// that blocks on the disk must not hold one of the pool's few threads (one per core),
/// which the hooks' requests run on. Callers wait on a continuation, holding no thread.
final class JSONLinesAuditLog: AuditSink, Service {
    /// What waits for the writer: the next write's lines and whoever awaits it.
    private struct Pending {
        var lines: [[UInt8]] = []
        var waiting: [CheckedContinuation<Void, Never>] = []
        /// A caller wants the write on the disk before it resumes (`flush`).
        var syncRequested = false
        /// The writer is at work on the queue and will take what is added.
        var writing = false
    }

    let directory: URL
    let maxFileBytes: Int
    let fsyncInterval: Duration
    private let logger: Logger
    private let pending = Mutex(Pending())
    private let writerQueue = DispatchQueue(label: "pushcompose.audit-writer")
    private let syncQueue = DispatchQueue(label: "pushcompose.audit-sync")
    private let file: WriterQueueState

    init(directory: URL, maxFileBytes: Int = 64 << 20, fsyncInterval: Duration = .seconds(1), logger: Logger) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.maxFileBytes = maxFileBytes
        self.fsyncInterval = fsyncInterval
        self.logger = logger
        file = WriterQueueState(RotatingFileWriter(directory: directory, maxFileBytes: maxFileBytes))
    }

    func record(_ lines: [AuditLine]) async {
        guard !lines.isEmpty else { return }
        await withCheckedContinuation { written in
            submit { pending in
                for line in lines { pending.lines.append(line.bytes) }
                pending.waiting.append(written)
            }
        }
    }

    func flush() async {
        await withCheckedContinuation { synced in
            submit { $0.syncRequested = true; $0.waiting.append(synced) }
        }
    }

    private func submit(_ add: (inout Pending) -> Void) {
        let wakeWriter = pending.withLock { pending in
            add(&pending)
            defer { pending.writing = true }
            return !pending.writing
        }
        if wakeWriter { writerQueue.async { self.writeUntilIdle() } }
    }

    /// On the writer queue: writes what has gathered, a batch at a time, until nothing is left.
    private func writeUntilIdle() {
        while let batch = nextBatch() {
            do {
                try file.writer.append(lines: batch.lines)
                if batch.syncRequested || fsyncInterval == .zero {
                    try file.writer.sync()
                } else {
                    scheduleSync()
                }
            } catch {
                // The hooks are answered all the same: an answer withheld would not bring
                // the record back. The file is reopened, and a torn end repaired, next time.
                logger.error("audit log write failed: \(error)")
                try? file.writer.close()
            }
            for waiting in batch.waiting { waiting.resume() }
        }
    }

    private func nextBatch() -> Pending? {
        pending.withLock { pending in
            if pending.waiting.isEmpty {
                pending.writing = false
                return nil
            }
            defer { pending = Pending(writing: true) }
            return pending
        }
    }

    /// On the writer queue: puts what was written on the disk within `fsyncInterval`.
    private func scheduleSync() {
        guard !file.syncScheduled else { return }
        file.syncScheduled = true
        let (seconds, attoseconds) = fsyncInterval.components
        let delay = DispatchTimeInterval.nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        writerQueue.asyncAfter(deadline: .now() + delay) {
            self.file.syncScheduled = false
            do {
                guard let handle = try self.file.writer.handleToSync() else { return }
                self.syncQueue.async {
                    defer { handle.close() }
                    do { try handle.sync() } catch { self.logger.error("audit log fsync failed: \(error)") }
                }
            } catch {
                self.logger.error("audit log fsync failed: \(error)")
            }
        }
    }

    /// Until graceful shutdown (the server has answered its last call by then); then puts
    /// every record on the disk and closes the file.
    func run() async throws {
        try? await gracefulShutdown()
        await flush()
        await withCheckedContinuation { (closed: CheckedContinuation<Void, Never>) in
            writerQueue.async {
                do {
                    try self.file.writer.close()
                } catch {
                    self.logger.error("audit log close failed: \(error)")
                }
                closed.resume()
            }
        }
    }
}

/// The audit file's writer and its sync timer, used only on the writer queue, which is
/// what makes sharing them with that queue's closures safe.
private final class WriterQueueState: @unchecked Sendable {
    var writer: RotatingFileWriter
    var syncScheduled = false
    init(_ writer: RotatingFileWriter) { self.writer = writer }
}
