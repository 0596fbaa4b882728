import CZlib
import Foundation
import Synchronization

/// Where an audit record is kept from the moment its call is answered until it is in the
/// audit files: a ring of records in a file mapped into memory (`MAP_SHARED`).
///
/// Appending is a copy into the mapping, no system call and no wait: the mapped pages are
/// the file's pages in the kernel's cache, so a record appended survives the process
/// being killed. The log's writer reads the records in order, writes them to the audit
/// files at its own pace (many a write), and then marks them written in the journal's
/// header; at start, what a killed process left unmarked is written first.
///
/// Layout: a header page (`magic`, capacity, and the position and sequence number of the
/// first record not yet written, in two slots and a word that selects one, so that a
/// kill while the mark moves leaves the old mark or the new, never half of each), then
/// `capacity` bytes of entries. An entry is 16 bytes (sequence number, length, CRC-32 of
/// the record) and the record, padded to 16 bytes; positions grow without end and wrap
/// onto the ring, and an entry that would cross the ring's end is preceded by a marker
/// (length `UInt32.max`) that skips the rest of the lap. Recovery reads entries while
/// each carries the next sequence number and its CRC-32 matches: an entry of an earlier
/// lap, or one a power loss left half on the disk, ends it. (A kill cannot cut an entry
/// short for an answered call: entries are appended whole under a lock, and the call is
/// answered after.)
///
/// The file's blocks are reserved when it is created (`posix_fallocate`), so a full disk
/// cannot fault a write into the mapping; the writer populates the pages ahead of the
/// appends (`MADV_POPULATE_WRITE`), so that a hook's copy does not take the page fault.
/// A process holds its journal under an exclusive `flock`: a second process on the same
/// stream is refused at start.
final class AuditJournal: @unchecked Sendable {
    static let magic: UInt64 = 0x3130_4C4E_4A43_5050  // "PPCJNL01", little-endian
    static let headerBytes = 4096
    static let entryHeaderBytes = 16
    static let wrapMarker = UInt32.max
    static let defaultCapacity = 16 << 20
    /// How far ahead of the appends the writer keeps pages populated.
    static let populateAhead = 1 << 20

    /// The records a reader takes at once, and where the journal stands after them.
    struct Unread {
        var records: [[UInt8]]
        /// Where each record's entry ends.
        var ends: [Position]
        /// Where the last entry read ends (after a wrap marker, if one was last).
        var end: Position
    }

    struct Position: Equatable {
        var offset: UInt64
        var sequence: UInt64
    }

    private struct Ring {
        /// The first entry not yet marked written.
        var tail: Position
        /// Where the next entry goes.
        var head: Position
        var records: Int
        var closed = false
    }

    let path: String
    let capacity: Int
    private let descriptor: Int32
    private let base: UnsafeMutableRawPointer
    private let ring: Mutex<Ring>

    /// Opens the journal at `path`, creating it with `capacity` bytes of entries if it
    /// does not exist (an existing one keeps its own), and recovers the records it holds
    /// that were not marked written.
    init(path: String, capacity: Int = defaultCapacity) throws {
        precondition(capacity % 16 == 0 && capacity >= 4096, "a journal's capacity is a multiple of 16, at least 4096")
        self.path = path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw AuditFileError("open", path) }
        var opened = false
        defer { if !opened { _ = Glibc.close(descriptor) } }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            if errno == EWOULDBLOCK {
                throw AuditJournalError("\(path) is held by another process: is another pushcompose writing this audit stream?")
            }
            throw AuditFileError("lock", path)
        }
        let written = try Self.capacity(ofHeaderIn: descriptor, path: path)
        let fresh = written == nil
        let fileCapacity = written ?? capacity
        let fileBytes = Self.headerBytes + fileCapacity
        // A new journal is exactly header and ring, whatever a stopped process left.
        guard !fresh || ftruncate(descriptor, off_t(fileBytes)) == 0 else { throw AuditFileError("size", path) }
        // Blocks reserved: a page of the mapping written on a full disk would be SIGBUS.
        let reserved = posix_fallocate(descriptor, 0, off_t(fileBytes))
        guard reserved == 0 else {
            errno = reserved
            throw AuditFileError("reserve space for", path)
        }
        guard let mapped = mmap(nil, fileBytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            throw AuditFileError("map", path)
        }
        base = mapped
        self.descriptor = descriptor
        self.capacity = fileCapacity
        if fresh {
            base.storeBytes(of: Self.magic, toByteOffset: 0, as: UInt64.self)
            base.storeBytes(of: UInt64(fileCapacity), toByteOffset: 8, as: UInt64.self)
            Self.storeMark(Position(offset: 0, sequence: 1), base: base)
        }
        let tail: Position
        do {
            tail = try Self.loadMark(base: UnsafeRawPointer(base), path: path)
        } catch {
            munmap(mapped, fileBytes)
            throw error
        }
        var head = tail
        var records = 0
        while let (next, isRecord) = Self.entry(at: head, base: UnsafeRawPointer(base), capacity: fileCapacity, verified: true) {
            head = next
            if isRecord { records += 1 }
        }
        ring = Mutex(Ring(tail: tail, head: head, records: records))
        opened = true
        populateAhead()
    }

    deinit {
        close()
    }

    /// Unmaps the journal and lets another process take it; appends after it fail, and it
    /// holds nothing to read.
    func close() {
        let wasOpen = ring.withLock { ring in
            defer {
                ring.closed = true
                ring.records = 0
            }
            return !ring.closed
        }
        guard wasOpen else { return }
        munmap(base, Self.headerBytes + capacity)
        _ = Glibc.close(descriptor)
    }

    /// Records waiting to be written.
    var count: Int { ring.withLock { $0.records } }

    /// Appends `records`, in order, when the ring has room for all of them and holds no
    /// more than `limit` records with them; false (nothing appended) otherwise.
    func append(_ records: [[UInt8]], limit: Int) -> Bool {
        let checksums = records.map(Self.checksum)
        return ring.withLock { ring in
            guard !ring.closed, ring.records + records.count <= limit else { return false }
            // Where the entries would end, markers included: all of them fit, or none is written.
            var end = ring.head.offset
            for record in records {
                guard let size = Self.entrySize(record.count) else { return false }
                let lapOffset = Int(end % UInt64(capacity))
                if lapOffset + size > capacity { end += UInt64(capacity - lapOffset) }
                end += UInt64(size)
            }
            guard end - ring.tail.offset <= UInt64(capacity) else { return false }
            for (record, checksum) in zip(records, checksums) {
                let size = Self.entrySize(record.count)!
                var lapOffset = Int(ring.head.offset % UInt64(capacity))
                if lapOffset + size > capacity {
                    write(ring.head.sequence, length: Self.wrapMarker, checksum: 0, payload: nil, at: lapOffset)
                    ring.head = Position(offset: ring.head.offset + UInt64(capacity - lapOffset), sequence: ring.head.sequence + 1)
                    lapOffset = 0
                }
                write(ring.head.sequence, length: UInt32(record.count), checksum: checksum, payload: record, at: lapOffset)
                ring.head = Position(offset: ring.head.offset + UInt64(size), sequence: ring.head.sequence + 1)
            }
            ring.records += records.count
            return true
        }
    }

    /// Writes one entry: the record, then its length and checksum, then — last — the
    /// sequence number that makes recovery take it.
    private func write(_ sequence: UInt64, length: UInt32, checksum: UInt32, payload: [UInt8]?, at lapOffset: Int) {
        let entry = base + Self.headerBytes + lapOffset
        if let payload {
            payload.withUnsafeBytes { entry.advanced(by: Self.entryHeaderBytes).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        entry.storeBytes(of: length, toByteOffset: 8, as: UInt32.self)
        entry.storeBytes(of: checksum, toByteOffset: 12, as: UInt32.self)
        entry.storeBytes(of: sequence, toByteOffset: 0, as: UInt64.self)
    }

    /// The records not yet marked written, in order, and where they end. Only the writer
    /// reads and marks: the entries it reads stay put until it marks them.
    func unread() -> Unread {
        let (tail, head) = ring.withLock { ring in ring.closed ? (ring.head, ring.head) : (ring.tail, ring.head) }
        var records: [[UInt8]] = []
        var ends: [Position] = []
        var position = tail
        while position != head, let (next, isRecord) = Self.entry(at: position, base: UnsafeRawPointer(base), capacity: capacity, verified: false) {
            if isRecord {
                let lapOffset = Int(position.offset % UInt64(capacity))
                let entry = UnsafeRawPointer(base + Self.headerBytes + lapOffset)
                let length = Int(entry.load(fromByteOffset: 8, as: UInt32.self))
                records.append(Array(UnsafeRawBufferPointer(start: entry + Self.entryHeaderBytes, count: length)))
                ends.append(next)
            }
            position = next
        }
        return Unread(records: records, ends: ends, end: position)
    }

    /// Marks the records before `end` written: in the header, so that a restart does not
    /// write them again, and their room is free.
    func markWritten(through end: Position, records written: Int) {
        ring.withLock { ring in
            guard !ring.closed else { return }
            Self.storeMark(end, base: base)
            ring.tail = end
            ring.records -= written
        }
    }

    /// The capacity the journal's header gives; nil when the header is zeros: made by a
    /// process that stopped before writing it (or whose header never reached the disk),
    /// so it holds nothing.
    private static func capacity(ofHeaderIn descriptor: Int32, path: String) throws -> Int? {
        var status = stat()
        var header = (UInt64(0), UInt64(0))
        guard fstat(descriptor, &status) == 0, pread(descriptor, &header, 16, 0) >= 0 else { throw AuditFileError("read", path) }
        if header.0 == 0 && header.1 == 0 { return nil }
        // The capacity is bounded before it is converted: a damaged header must not trap.
        guard header.0 == magic, header.1 % 16 == 0, header.1 >= 4096, header.1 <= UInt64(Int32.max),
            Int(status.st_size) == headerBytes + Int(header.1)
        else {
            throw AuditJournalError("\(path) is not an audit journal (or is damaged): move it away to start a new one")
        }
        return Int(header.1)
    }

    /// How many records the journal at `path` holds that a stopped process did not write
    /// to the files (they are written when the log next opens); nil when there is no
    /// journal there, or a running process holds it (its records are on their way).
    /// Reads only: the journal is neither made nor changed.
    static func unwrittenRecords(path: String) throws -> Int? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw AuditFileError("open", path)
        }
        defer { _ = Glibc.close(descriptor) }
        guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else {
            if errno == EWOULDBLOCK { return nil }
            throw AuditFileError("lock", path)
        }
        guard let capacity = try capacity(ofHeaderIn: descriptor, path: path) else { return 0 }
        guard let mapped = mmap(nil, headerBytes + capacity, PROT_READ, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            throw AuditFileError("map", path)
        }
        defer { munmap(mapped, headerBytes + capacity) }
        var position = try loadMark(base: UnsafeRawPointer(mapped), path: path)
        var records = 0
        while let (next, isRecord) = entry(at: position, base: UnsafeRawPointer(mapped), capacity: capacity, verified: true) {
            position = next
            if isRecord { records += 1 }
        }
        return records
    }

    /// Has the kernel populate, writable, the pages the next appends will use, so that
    /// they do not fault on the hooks' threads. Best effort: a kernel without
    /// `MADV_POPULATE_WRITE` (before 5.14) leaves the faults to the appends.
    func populateAhead() {
        let (head, tail, closed) = ring.withLock { ($0.head.offset, $0.tail.offset, $0.closed) }
        guard !closed else { return }
        var remaining = min(Self.populateAhead, capacity - Int(head - tail))
        var lapOffset = Int(head % UInt64(capacity)) & ~4095
        while remaining > 0 {
            let length = min(remaining, capacity - lapOffset)
            _ = madvise(base + Self.headerBytes + lapOffset, length, Self.populateWrite)
            remaining -= length
            lapOffset = 0
        }
    }

    /// The mark's two slots are at 16 and 32, the selector at 48. A mark no writer could
    /// have made (off the 16-byte grid, or so far on that positions would overflow) is
    /// damage: refused like a damaged header.
    private static func loadMark(base: UnsafeRawPointer, path: String) throws -> Position {
        let slot = 16 + 16 * Int(base.load(fromByteOffset: 48, as: UInt64.self) & 1)
        let mark = Position(offset: base.load(fromByteOffset: slot, as: UInt64.self), sequence: base.load(fromByteOffset: slot + 8, as: UInt64.self))
        guard mark.offset % 16 == 0, mark.offset < 1 << 62, mark.sequence < 1 << 62 else {
            throw AuditJournalError("\(path) is not an audit journal (or is damaged): move it away to start a new one")
        }
        return mark
    }

    /// Writes the slot not in use, then selects it with one store.
    private static func storeMark(_ mark: Position, base: UnsafeMutableRawPointer) {
        let selected = base.load(fromByteOffset: 48, as: UInt64.self) & 1
        let slot = 16 + 16 * Int(1 - selected)
        base.storeBytes(of: mark.offset, toByteOffset: slot, as: UInt64.self)
        base.storeBytes(of: mark.sequence, toByteOffset: slot + 8, as: UInt64.self)
        base.storeBytes(of: 1 - selected, toByteOffset: 48, as: UInt64.self)
    }

    /// `MADV_POPULATE_WRITE` (Linux 5.14), which the C library's headers may not name.
    private static let populateWrite: Int32 = 23

    /// The bytes an entry of a `length`-byte record takes; nil past what an entry can hold.
    private static func entrySize(_ length: Int) -> Int? {
        guard length < Int(wrapMarker) else { return nil }
        return entryHeaderBytes + (length + 15) & ~15
    }

    private static func checksum(_ record: [UInt8]) -> UInt32 {
        record.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count))) }
    }

    /// The position after the entry at `position` and whether it holds a record (not a
    /// wrap marker); nil when no valid entry with the expected sequence number is there.
    /// The checksum is `verified` in recovery; entries this process wrote are whole.
    private static func entry(at position: Position, base: UnsafeRawPointer, capacity: Int, verified: Bool) -> (Position, Bool)? {
        let lapOffset = Int(position.offset % UInt64(capacity))
        let entry = UnsafeRawPointer(base + headerBytes + lapOffset)
        guard entry.load(fromByteOffset: 0, as: UInt64.self) == position.sequence else { return nil }
        let length = entry.load(fromByteOffset: 8, as: UInt32.self)
        let nextSequence = position.sequence + 1
        if length == wrapMarker {
            return (Position(offset: position.offset + UInt64(capacity - lapOffset), sequence: nextSequence), false)
        }
        guard let size = entrySize(Int(length)), lapOffset + size <= capacity else { return nil }
        let next = Position(offset: position.offset + UInt64(size), sequence: nextSequence)
        guard verified else { return (next, true) }
        let stored = entry.load(fromByteOffset: 12, as: UInt32.self)
        let computed = UInt32(crc32(0, entry.advanced(by: entryHeaderBytes).assumingMemoryBound(to: Bytef.self), uInt(length)))
        guard stored == computed else { return nil }
        return (next, true)
    }
}

/// A journal that cannot be used: another process holds it, or it is not one.
struct AuditJournalError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = "audit journal: " + description }
}
