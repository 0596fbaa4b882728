import Foundation

/// One stream's matching records, its files in the order given. The files after the one
/// being read are scanned ahead on threads of their own (off Swift's cooperative pool:
/// the reads block), `lookahead` at a time, so the cores scan while the caller merges and
/// prints; the records waiting are at most `lookahead` files' matches, each at most the
/// search's cap.
final class AuditStreamCursor {
    private var files: ArraySlice<AuditDirectory.File>
    private var pending: [PendingScan] = []
    private var records: [AuditRecord] = []
    private var index = 0
    private let start: (AuditDirectory.File) -> PendingScan
    private let lookahead: Int

    init(files: [AuditDirectory.File], lookahead: Int, start: @escaping (AuditDirectory.File) -> PendingScan) {
        self.files = files[...]
        self.lookahead = max(1, lookahead)
        self.start = start
    }

    /// The next record without taking it; nil at the stream's end.
    func peek() throws -> AuditRecord? {
        while index == records.count {
            refill()
            guard !pending.isEmpty else { return nil }
            records = try pending.removeFirst().wait()
            index = 0
        }
        return records[index]
    }

    func advance() {
        index += 1
    }

    private func refill() {
        while pending.count < lookahead, let file = files.popFirst() {
            pending.append(start(file))
        }
    }
}

/// A file's scan running on a thread of its own; `wait` blocks until its result is in.
/// Not on a dispatch queue: a caller waiting on a queue's thread (a server's request) could
/// hold the threads its own scans need.
final class PendingScan: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<[AuditRecord], any Error>?

    init(_ scan: @escaping @Sendable () throws -> [AuditRecord]) {
        let thread = Thread {
            let result = Result { try scan() }
            self.condition.withLock {
                self.result = result
                self.condition.broadcast()
            }
        }
        thread.name = "pushcompose.audit.scan"
        thread.start()
    }

    func wait() throws -> [AuditRecord] {
        try condition.withLock {
            while result == nil { condition.wait() }
            return result!
        }.get()
    }
}
