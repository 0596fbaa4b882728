import Foundation
import PushCompose

/// Ends an audit file at its last complete line when a crash left it ending inside one,
/// so that the next record starts a line of its own instead of joining the fragment.
/// The fragment is kept, byte for byte, in a side file next to it,
/// `audit-YYYY-MM-DD.jsonl.torn-1` (`.torn-2`, … when that exists), and the repair
/// is recorded: `{…,"kind":"repair","file":…,"offset":…,"fragmentBytes":…,"sideFile":…}`,
/// `offset` being where the fragment started and the file now ends.
enum TornLineRepair {
    /// Repairs each of `files` (plain audit files); the records of the repairs made.
    static func repairFiles(_ files: [URL]) throws -> [AuditLine] {
        try files.compactMap { try repair($0) }
    }

    /// Repairs `url` if its last line is torn; the record of the repair, or nil when the
    /// file ends with a newline, is empty or does not exist.
    static func repair(_ url: URL) throws -> AuditLine? {
        let path = url.path
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw AuditFileError("open", path)
        }
        defer { _ = close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw AuditFileError("stat", path) }
        let size = Int(status.st_size)
        guard size > 0, try byte(at: size - 1, of: descriptor, path: path) != 0x0A else { return nil }

        let offset = try endOfLastLine(before: size, of: descriptor, path: path)
        let sideFile = try keepFragment(from: offset, to: size, of: descriptor, beside: url)
        // The fragment is safe on disk before the file lets go of it.
        guard ftruncate(descriptor, off_t(offset)) == 0 else { throw AuditFileError("truncate", path) }
        guard fsync(descriptor) == 0 else { throw AuditFileError("fsync", path) }

        var record = HookAuditRecord.start(.repair)
        record.member("file", url.lastPathComponent)
        record.member("offset", offset)
        record.member("fragmentBytes", size - offset)
        record.member("sideFile", sideFile.lastPathComponent)
        return AuditLine(bytes: record.finish())
    }

    private static let chunkSize = 64 << 10

    private static func byte(at offset: Int, of descriptor: Int32, path: String) throws -> UInt8 {
        var byte: UInt8 = 0
        guard pread(descriptor, &byte, 1, off_t(offset)) == 1 else { throw AuditFileError("read", path) }
        return byte
    }

    /// The offset just past the last newline before `end`; 0 when there is none.
    private static func endOfLastLine(before end: Int, of descriptor: Int32, path: String) throws -> Int {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var chunkEnd = end
        while chunkEnd > 0 {
            let chunkStart = max(0, chunkEnd - chunkSize)
            let count = chunkEnd - chunkStart
            try read(into: &buffer, count: count, at: chunkStart, of: descriptor, path: path)
            if let newline = buffer[..<count].lastIndex(of: 0x0A) { return chunkStart + newline + 1 }
            chunkEnd = chunkStart
        }
        return 0
    }

    /// Copies bytes `start..<end` to the first free side file of `url`, synced; its URL.
    private static func keepFragment(from start: Int, to end: Int, of descriptor: Int32, beside url: URL) throws -> URL {
        let side = try createSideFile(beside: url)
        defer { side.close() }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var offset = start
        while offset < end {
            let count = min(chunkSize, end - offset)
            try read(into: &buffer, count: count, at: offset, of: descriptor, path: url.path)
            try side.append(Array(buffer[..<count]))
            offset += count
        }
        try side.sync()
        return URL(fileURLWithPath: side.path)
    }

    /// `url`.torn-1, or the first of .torn-2, … that does not exist yet.
    private static func createSideFile(beside url: URL) throws -> AppendOnlyFile {
        var number = 1
        while true {
            if let side = try AppendOnlyFile(creatingNew: url.path + ".torn-\(number)") { return side }
            number += 1
        }
    }

    private static func read(into buffer: inout [UInt8], count: Int, at offset: Int, of descriptor: Int32, path: String) throws {
        var done = 0
        while done < count {
            let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else { throw AuditFileError("read", path) }
            done += read
        }
    }
}
