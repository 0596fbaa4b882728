import AuditLog
import Foundation
import Logging
import LowPriority
import PushCompose
import ServiceLifecycle
import Synchronization

/// The audit log: one JSON object a line, in its stream's files under its directory
/// (`RotatingFileWriter`), sealed into a hash chain when it has a key.
///
/// `record` returns once its record is in the stream's journal (`AuditJournal`): a copy
/// into a file mapped into memory, so that it survives the process being killed, without
/// a system call or a wait in the hook's path. The writer takes what gathered in the
/// journal every `writeDelay` and writes it to the audit files with one system call (or
/// as few as rotation allows), then marks it written; a process killed before that
/// leaves it in the journal, and the next start writes it first. What was written is put
/// on the disk (fsync) within `fsyncInterval`, by a queue of its own so that writes go
/// on meanwhile; or before `record` returns when the interval is zero.
///
/// The log never holds a hook back: at most `maxQueuedRecords` (and what the journal has
/// room for) wait to be written, and records beyond them, or whose write failed, are
/// dropped — counted in `/metrics`, logged, and recorded as a `gap` (how many, why) in
/// the chain as soon as a write succeeds, so that `audit verify` shows the loss.
///
/// The writes run on a dispatch queue of their own, off Swift's cooperative pool: a write
/// that blocks on the disk must not hold one of the pool's few threads (one per core),
/// which the hooks' requests run on. Callers that wait (`flush`) wait on a continuation,
/// holding no thread.
/// A finished file is synced on the sync queue, then compressed at the lowest CPU
/// priority, and retention applied, on another queue.
final class JSONLinesAuditLog: AuditSink, Service {
    /// What the writer owes beyond the journal's records, and whether it will run.
    private struct Pending {
        /// Callers resumed once what was handed over before them is written.
        var waiting: [@Sendable () -> Void] = []
        /// A caller wants the write on the disk before it resumes (`flush`).
        var syncRequested = false
        /// A run of the writer is due (or under way) and will take what is added.
        var writerDue = false
        /// That run is due at once, not after `writeDelay`: someone waits.
        var writerDueNow = false
        /// Records dropped since the last `gap` record, by reason.
        var dropped: [String: Int] = [:]
    }

    let directory: URL
    let stream: String
    let maxFileBytes: Int
    let fsyncInterval: Duration
    let maxQueuedRecords: Int
    /// How long records gather in the journal before the writer takes them: under load
    /// one write carries many, and a reader of the files sees a record this much later.
    static let writeDelay: Duration = .milliseconds(2)
    let retention: AuditRetention
    /// The chain records are sealed into; nil when it is off.
    let chain: AuditChain?
    private let logger: Logger
    private let metrics: AuditMetrics?
    private let journal: AuditJournal
    private let pending = Mutex(Pending())
    private let writerQueue = DispatchQueue(label: "pushcompose.audit-writer")
    private let syncQueue = DispatchQueue(label: "pushcompose.audit-sync")
    private let maintenanceQueue = DispatchQueue(label: "pushcompose.audit-maintenance", qos: .utility)
    private let file: WriterQueueState

    /// Opens the stream's journal, which another process must not hold, and has what an
    /// earlier run left in it written first.
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
        let writer = RotatingFileWriter(directory: directory, stream: stream, maxFileBytes: maxFileBytes, chain: chain)
        journal = try AuditJournal(path: directory.appendingPathComponent(Self.journalName(stream: stream)).path)
        file = WriterQueueState(writer)
        try recoverJournal(writer)
    }

    /// `.journal`, or `.journal-<stream>`: never taken for an audit file.
    static func journalName(stream: String) -> String {
        stream.isEmpty ? ".journal" : ".journal-\(stream)"
    }

    /// What a killed process left in the journal: the records it wrote to the files but
    /// had not yet marked (the files' last record among them) are marked now, the rest
    /// written before anything new.
    private func recoverJournal(_ writer: RotatingFileWriter) throws {
        let unread = journal.unread()
        guard !unread.records.isEmpty else { return }
        var left = unread.records.count
        if let last = try writer.lastRecord(), let index = unread.records.lastIndex(of: last) {
            journal.markWritten(through: unread.ends[index], records: index + 1)
            left -= index + 1
        }
        guard left > 0 else { return }
        logger.notice("audit log: \(left) record\(left == 1 ? "" : "s") an earlier run left in its journal \(left == 1 ? "is" : "are") written now")
        whenWritten(sync: false) {}
    }

    func record(_ lines: [AuditLine]) async {
        guard !lines.isEmpty else { return }
        accept(lines)
        if fsyncInterval == .zero { await flush() }
    }

    func submit(_ lines: [AuditLine]) {
        guard !lines.isEmpty else { return }
        accept(lines)
    }

    /// Appends `lines` to the journal and has the writer take them within `writeDelay`;
    /// when the queue is full they are dropped (counted, logged, and a `gap` later).
    private func accept(_ lines: [AuditLine]) {
        let appended = journal.append(lines.map(\.bytes), limit: maxQueuedRecords)
        let wakeWriter = pending.withLock { pending in
            if !appended { pending.dropped[Self.queueFull, default: 0] += lines.count }
            guard !pending.writerDue else { return false }
            pending.writerDue = true
            return true
        }
        if wakeWriter { writerQueue.asyncAfter(deadline: .now() + Self.dispatchInterval(Self.writeDelay)) { self.runWriter() } }
        if !appended {
            metrics?.dropped(lines.count, queueFull: true)
            logger.error("audit log queue full (\(maxQueuedRecords) records or the journal's \(journal.capacity) bytes waiting): \(lines.count) records dropped")
        }
    }

    static let queueFull = "queue full"

    func flush() async {
        await withCheckedContinuation { (synced: CheckedContinuation<Void, Never>) in
            whenWritten(sync: true) { synced.resume() }
        }
    }

    /// Resumes `waiter` once everything handed over before is written (and on the disk,
    /// with `sync`): the writer runs at once.
    private func whenWritten(sync: Bool, _ waiter: @escaping @Sendable () -> Void) {
        let wakeWriter = pending.withLock { pending in
            pending.waiting.append(waiter)
            if sync { pending.syncRequested = true }
            guard !pending.writerDueNow else { return false }
            pending.writerDue = true
            pending.writerDueNow = true
            return true
        }
        if wakeWriter { writerQueue.async { self.runWriter() } }
    }

    /// On the writer queue: writes what the journal holds, and again at once while callers
    /// wait, or after `writeDelay` while records keep coming, until nothing is left.
    private func runWriter() {
        while var batch = nextBatch() {
            let unread = journal.unread()
            let gaps = batch.dropped.sorted { $0.key < $1.key }.map { Self.gapRecord(dropped: $0.value, reason: $0.key) }
            do {
                try file.writer.append(records: gaps + unread.records)
                journal.markWritten(through: unread.end, records: unread.records.count)
                if batch.syncRequested || fsyncInterval == .zero {
                    try file.writer.sync()
                    // Files written past in earlier batches are synced on the sync queue: wait for them too.
                    syncQueue.sync {}
                } else {
                    scheduleSync()
                }
            } catch {
                // The hooks were answered all the same: holding them back would not bring
                // the records back. The loss is recorded as a gap by the next write; the file
                // is reopened, a torn end repaired and the chain read back from the disk.
                journal.markWritten(through: unread.end, records: unread.records.count)
                metrics?.writeFailure()
                metrics?.dropped(unread.records.count, queueFull: false)
                logger.error("audit log write failed, \(unread.records.count) records dropped: \(error)")
                file.writer.abandon()
                batch.dropped["write failed: \(error)", default: 0] += unread.records.count
                let lost = batch.dropped
                pending.withLock { pending in pending.dropped.merge(lost, uniquingKeysWith: +) }
            }
            let retired = file.writer.takeRetired()
            if !retired.isEmpty { syncQueue.async { self.syncAndClose(retired) } }
            let finished = file.writer.takeFinished()
            if !finished.isEmpty { maintenanceQueue.async { self.maintain(finished: finished) } }
            for resume in batch.waiting { resume() }
            journal.populateAhead()
            guard runAgainNow() else { return }
        }
    }

    private static func gapRecord(dropped: Int, reason: String) -> [UInt8] {
        var record = HookAuditRecord.start(.gap)
        record.member("dropped", dropped)
        record.member("reason", reason)
        return record.finish()
    }

    /// What the writer owes now; nil (and the writer no longer due) when nothing.
    private func nextBatch() -> Pending? {
        pending.withLock { pending in
            if pending.waiting.isEmpty, journal.count == 0 {
                pending.writerDue = false
                pending.writerDueNow = false
                return nil
            }
            defer {
                pending.waiting = []
                pending.syncRequested = false
                pending.dropped = [:]
            }
            return pending
        }
    }

    /// After a write: true to write again at once (callers wait); else the writer comes
    /// back after `writeDelay` if records are left, or is no longer due.
    private func runAgainNow() -> Bool {
        enum Next { case now, later, idle }
        let next = pending.withLock { pending -> Next in
            if !pending.waiting.isEmpty { return .now }
            pending.writerDueNow = false
            if journal.count > 0 { return .later }
            pending.writerDue = false
            return .idle
        }
        if next == .later { writerQueue.asyncAfter(deadline: .now() + Self.dispatchInterval(Self.writeDelay)) { self.runWriter() } }
        return next == .now
    }

    private static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }

    /// On the writer queue: puts what was written on the disk within `fsyncInterval`.
    private func scheduleSync() {
        guard !file.syncScheduled else { return }
        file.syncScheduled = true
        writerQueue.asyncAfter(deadline: .now() + Self.dispatchInterval(fsyncInterval)) {
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
        LowPriorityThread.run(name: "pc-audit-gzip") {
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
        // Past the queue's limit if need be: the deletions wait for it. Without room in the
        // journal nothing is deleted; retention runs again after the next file.
        guard journal.append([record.finish()], limit: .max) else { return }
        let doomed = deleted
        whenWritten(sync: true) {
            self.maintenanceQueue.async {
                for file in doomed {
                    do {
                        try FileManager.default.removeItem(at: file.url)
                    } catch {
                        self.logger.error("audit log retention: deleting \(file.name) failed: \(error)")
                    }
                }
            }
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

    /// Returns once everything handed over so far is written to the files (not
    /// necessarily on the disk).
    func written() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            whenWritten(sync: false) { done.resume() }
        }
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

    /// Puts every record on the disk and closes the file and the journal (records handed
    /// over after it are dropped).
    func close() async {
        await flush()
        await withCheckedContinuation { (closed: CheckedContinuation<Void, Never>) in
            writerQueue.async {
                do {
                    try self.file.writer.close()
                } catch {
                    self.logger.error("audit log close failed: \(error)")
                }
                self.journal.close()
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
