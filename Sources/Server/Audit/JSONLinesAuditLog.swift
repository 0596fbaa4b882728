import AuditLog
import Foundation
import Logging
import PushCompose
import ServiceLifecycle
import Synchronization

/// The audit log: one JSON object a line, in its stream's files under its directory
/// (`RotatingFileWriter`), sealed into a hash chain when it has a key.
///
/// `record` returns once its record is written (write(2) returned): a hook is answered
/// only then, so killing the process loses no answered decision. Records that arrive
/// while a write is under way go together into the next write, each caller awaiting its
/// own (group commit): under load one system call carries many records, and an idle log
/// writes a lone record at once. What was written is put on the disk (fsync) within
/// `fsyncInterval`, by a queue of its own so that writes go on meanwhile; or before
/// `record` returns when the interval is zero.
///
/// The log never holds a hook back for long: at most `maxQueuedRecords` wait to be
/// written, and records beyond them, or whose write failed, are dropped — counted in
/// `/metrics`, logged, and recorded as a `gap` (how many, why) in the chain as soon as a
/// write succeeds, so that `audit verify` shows the loss.
///
/// The writes run on a dispatch queue of their own, off Swift's cooperative pool: a write
/// that blocks on the disk must not hold one of the pool's few threads (one per core),
/// which the hooks' requests run on. Callers wait on a continuation, holding no thread,
/// and a batch's callers are resumed on the event loops they came from (`LoopWaiter`).
/// A finished file is synced on the sync queue, then compressed at the lowest CPU
/// priority, and retention applied, on another queue.
final class JSONLinesAuditLog: AuditSink, Service {
    /// What waits for the writer: the next write's lines and whoever awaits it.
    private struct Pending {
        var lines: [[UInt8]] = []
        var waiting: [LoopWaiter] = []
        /// A caller wants the write on the disk before it resumes (`flush`).
        var syncRequested = false
        /// The writer is at work on the queue and will take what is added.
        var writing = false
        /// Records dropped since the last `gap` record, by reason.
        var dropped: [String: Int] = [:]
    }

    let directory: URL
    let stream: String
    let maxFileBytes: Int
    let fsyncInterval: Duration
    let maxQueuedRecords: Int
    let retention: AuditRetention
    /// The chain records are sealed into; nil when it is off.
    let chain: AuditChain?
    private let logger: Logger
    private let metrics: AuditMetrics?
    private let pending = Mutex(Pending())
    private let writerQueue = DispatchQueue(label: "pushcompose.audit-writer")
    private let syncQueue = DispatchQueue(label: "pushcompose.audit-sync")
    private let maintenanceQueue = DispatchQueue(label: "pushcompose.audit-maintenance", qos: .utility)
    private let file: WriterQueueState

    init(
        directory: URL, stream: String = "", maxFileBytes: Int = 64 << 20, fsyncInterval: Duration = .seconds(1),
        chain: AuditChain? = nil, maxQueuedRecords: Int = 100_000, retention: AuditRetention = AuditRetention(),
        metrics: AuditMetrics? = nil, logger: Logger
    ) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.stream = stream
        self.maxFileBytes = maxFileBytes
        self.fsyncInterval = fsyncInterval
        self.maxQueuedRecords = maxQueuedRecords
        self.retention = retention
        self.chain = chain
        self.metrics = metrics
        self.logger = logger
        file = WriterQueueState(RotatingFileWriter(directory: directory, stream: stream, maxFileBytes: maxFileBytes, chain: chain))
    }

    func record(_ lines: [AuditLine]) async {
        guard !lines.isEmpty else { return }
        await withUnsafeContinuation { (written: UnsafeContinuation<Void, Never>) in
            if !accept(lines, writtenThen: .onCurrentLoop { written.resume() }) { written.resume() }
        }
    }

    func submit(_ lines: [AuditLine]) {
        guard !lines.isEmpty else { return }
        _ = accept(lines, writtenThen: nil)
    }

    /// Adds `lines` to the next write, and whoever awaits it; false when the queue is full
    /// and they were dropped (counted, logged, and a `gap` later).
    private func accept(_ lines: [AuditLine], writtenThen waiter: LoopWaiter?) -> Bool {
        let accepted = handOver { pending in
            guard pending.lines.count + lines.count <= maxQueuedRecords else {
                pending.dropped[Self.queueFull, default: 0] += lines.count
                return false
            }
            for line in lines { pending.lines.append(line.bytes) }
            if let waiter { pending.waiting.append(waiter) }
            return true
        }
        if !accepted {
            metrics?.dropped(lines.count, queueFull: true)
            logger.error("audit log queue full (\(maxQueuedRecords) records waiting): \(lines.count) records dropped")
        }
        return accepted
    }

    static let queueFull = "queue full"

    func flush() async {
        await withCheckedContinuation { (synced: CheckedContinuation<Void, Never>) in
            _ = handOver { pending in
                pending.syncRequested = true
                pending.waiting.append(.onCurrentLoop { synced.resume() })
                return true
            }
        }
    }

    /// Adds to what the writer will take, and wakes it when it is idle; `add`'s answer.
    private func handOver(_ add: (inout Pending) -> Bool) -> Bool {
        let (added, wakeWriter) = pending.withLock { pending in
            let added = add(&pending)
            guard added else { return (false, false) }
            defer { pending.writing = true }
            return (true, !pending.writing)
        }
        if wakeWriter { writerQueue.async { self.writeUntilIdle() } }
        return added
    }

    /// On the writer queue: writes what has gathered, a batch at a time, until nothing is left.
    private func writeUntilIdle() {
        while var batch = nextBatch() {
            let gaps = batch.dropped.sorted { $0.key < $1.key }.map { Self.gapRecord(dropped: $0.value, reason: $0.key) }
            do {
                try file.writer.append(records: gaps + batch.lines)
                if batch.syncRequested || fsyncInterval == .zero {
                    try file.writer.sync()
                    // Files written past in earlier batches are synced on the sync queue: wait for them too.
                    syncQueue.sync {}
                } else {
                    scheduleSync()
                }
            } catch {
                // The hooks are answered all the same: an answer withheld would not bring
                // the record back. The loss is recorded as a gap by the next write; the file
                // is reopened, a torn end repaired and the chain read back from the disk.
                metrics?.writeFailure()
                metrics?.dropped(batch.lines.count, queueFull: false)
                logger.error("audit log write failed, \(batch.lines.count) records dropped: \(error)")
                file.writer.abandon()
                batch.dropped["write failed: \(error)", default: 0] += batch.lines.count
                let lost = batch.dropped
                pending.withLock { pending in pending.dropped.merge(lost, uniquingKeysWith: +) }
            }
            let retired = file.writer.takeRetired()
            if !retired.isEmpty { syncQueue.async { self.syncAndClose(retired) } }
            let finished = file.writer.takeFinished()
            if !finished.isEmpty { maintenanceQueue.async { self.maintain(finished: finished) } }
            batch.waiting.resumeAll()
        }
    }

    private static func gapRecord(dropped: Int, reason: String) -> [UInt8] {
        var record = HookAuditRecord.start(.gap)
        record.member("dropped", dropped)
        record.member("reason", reason)
        return record.finish()
    }

    private func nextBatch() -> Pending? {
        pending.withLock { pending in
            if pending.waiting.isEmpty, pending.lines.isEmpty {
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

    /// On the sync queue: puts files the writer went past (rotation) on the disk. Not on the
    /// writer's queue: a finished file's fsync took tens of milliseconds, and every hook
    /// waiting for its record waited for it.
    private func syncAndClose(_ files: [AppendOnlyFile]) {
        for file in files {
            defer { file.close() }
            do { try file.sync() } catch { logger.error("audit log fsync failed: \(error)") }
        }
    }

    // MARK: Compression and retention, on the maintenance queue

    /// Compresses `finished` files at the lowest CPU priority (`LowPriorityThread`), then
    /// deletes history past retention.
    private func maintain(finished: [URL]) {
        LowPriorityThread.run {
            for url in finished {
                do {
                    // Level 1: 60% of level 6's CPU (0.56 against 0.94 s for a 64 MB file), for files
                    // half again as large (a tenth of the records' size instead of 7%).
                    try GzipFile.compress(url, to: url.appendingPathExtension("gz"), level: 1)
                } catch {
                    self.logger.error("audit log: compressing \(url.lastPathComponent) failed, it stays uncompressed: \(error)")
                }
            }
        }
        applyRetention()
    }

    /// Deletes the oldest files past retention, after a `checkpoint` record (on the disk)
    /// names them and where the kept history starts.
    private func applyRetention() {
        guard !retention.keepsAll else { return }
        let files = (try? AuditDirectory(url: directory).streams()[stream] ?? []) ?? []
        guard files.count > 1 else { return }
        var total = files.reduce(0) { $0 + $1.size }
        let oldestKeptDay = retention.maxAgeDays > 0 ? UTCTimestamp.day(Date().addingTimeInterval(-Double(retention.maxAgeDays) * 86_400)) : nil
        var deleted: [AuditDirectory.File] = []
        for file in files.dropLast() {
            let tooOld = oldestKeptDay.map { file.name.day < $0 } ?? false
            let overSize = retention.maxBytes > 0 && total > retention.maxBytes
            guard tooOld || overSize else { break }
            deleted.append(file)
            total -= file.size
        }
        guard !deleted.isEmpty else { return }
        let kept = files[deleted.count]
        var record = HookAuditRecord.start(.checkpoint)
        record.listed("deleted", strings: deleted.map(\.name.description))
        var keptFrom: [(key: String, value: JSONValue)] = [("file", .string(kept.name.description))]
        if let prev = Self.firstPrev(of: kept.url) { keptFrom.append(("prev", .string(prev.description))) }
        record.member("keptFrom", JSONValue.object(keptFrom))
        let bytes = record.finish()
        let doomed = deleted
        _ = handOver { pending in
            pending.lines.append(bytes)
            pending.syncRequested = true
            pending.waiting.append(LoopWaiter(loop: nil) {
                self.maintenanceQueue.async {
                    for file in doomed {
                        do {
                            try FileManager.default.removeItem(at: file.url)
                        } catch {
                            self.logger.error("audit log retention: deleting \(file.name) failed: \(error)")
                        }
                    }
                }
            })
            return true
        }
    }

    /// The `prev` of a file's first record, if it has a sealed one.
    private static func firstPrev(of url: URL) -> ChainValue? {
        guard var reader = try? AuditLineReader(url: url) else { return nil }
        defer { reader.close() }
        guard let line = try? reader.next() else { return nil }
        return line.bytes.withUnsafeBytes { raw in
            // Any key checks the layout; `prev` is read whatever the key.
            AuditChain(auditKey: [0]).check(raw)?.prev
        }
    }

    /// Returns once the writer has taken everything handed to it so far (tests: `submit`).
    func writesSettled() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in writerQueue.async { done.resume() } }
    }

    /// Returns once the compression and retention started by the writes so far are done.
    func maintenanceSettled() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in maintenanceQueue.async { done.resume() } }
    }

    /// Until graceful shutdown (the server has answered its last call by then); then puts
    /// every record on the disk and closes the file.
    func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Puts every record on the disk and closes the file.
    func close() async {
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
