import AuditLog
import Foundation

/// Appends records to the current audit file of its stream, starting a new one by day or
/// by size (`AuditFileName`: `audit-[<stream>-]YYYY-MM-DD[.N].jsonl`), and seals each
/// record into the stream's hash chain when it has one (`AuditChain`): the chain runs on
/// across files and restarts, each file's first record linking to the last of the file
/// before. Before it first appends, it repairs the stream's files that a crash left
/// ending inside a line (`TornLineRepair`), and records each repair.
struct RotatingFileWriter {
    let directory: URL
    let stream: String
    let maxFileBytes: Int
    let chain: AuditChain?
    private var file: AppendOnlyFile?
    private var name: AuditFileName?
    private var size = 0
    private var repairedDirectory = false
    /// Whether bytes were written since the last `sync`.
    private var unsynced = false
    /// The seal of the last record written: the next one's `prev`. Nil when not known
    /// (before the first file is opened, after a failed write): then read from the files.
    private var prev: ChainValue?
    /// Files this writer finished (by day or size), not yet handed on for compression.
    private var finished: [URL] = []
    /// Files it went past with writes not yet on the disk, open until they are synced:
    /// `sync` syncs them, or `takeRetired` hands them to be synced elsewhere.
    private var retired: [AppendOnlyFile] = []

    init(directory: URL, stream: String = "", maxFileBytes: Int, chain: AuditChain? = nil) {
        self.directory = directory
        self.stream = stream
        self.maxFileBytes = maxFileBytes
        self.chain = chain
    }

    func fileURL(day: String, sequence: Int, compressed: Bool = false) -> URL {
        directory.appendingPathComponent(AuditFileName(stream: stream, day: day, sequence: sequence, compressed: compressed).description)
    }

    /// The file being written, if one is open.
    var current: URL? { file == nil ? nil : name.map { directory.appendingPathComponent($0.description) } }

    /// The files finished since the last call.
    mutating func takeFinished() -> [URL] {
        defer { finished = [] }
        return finished
    }

    /// Writes the records with one system call, or as few as rotation allows.
    mutating func append(records: [[UInt8]]) throws {
        guard !records.isEmpty else { return }
        let today = UTCTimestamp.day()
        let sealing = chain == nil ? 1 : AuditChain.sealLength - 1 + 1
        var chunk: [UInt8] = []
        chunk.reserveCapacity(records.reduce(0) { $0 + $1.count + sealing })
        for record in records {
            let length = record.count + sealing
            if file == nil || today != name?.day || (size + chunk.count > 0 && size + chunk.count + length > maxFileBytes) {
                try write(&chunk)
                try open(day: today, room: length, into: &chunk)
            }
            seal(record, into: &chunk)
        }
        try write(&chunk)
    }

    private mutating func seal(_ record: [UInt8], into chunk: inout [UInt8]) {
        if let chain {
            let (line, mac) = chain.seal(record, prev: prev ?? .genesis)
            prev = mac
            chunk.append(contentsOf: line)
        } else {
            chunk.append(contentsOf: record)
        }
        chunk.append(0x0A)
    }

    private mutating func write(_ chunk: inout [UInt8]) throws {
        guard let file, !chunk.isEmpty else { return }
        unsynced = true
        try file.append(chunk)
        size += chunk.count
        chunk.removeAll(keepingCapacity: true)
    }

    /// The files written past since the last call whose writes are not yet on the disk, to
    /// sync and close elsewhere.
    mutating func takeRetired() -> [AppendOnlyFile] {
        defer { retired = [] }
        return retired
    }

    /// Puts what was written on the disk, in the files written past too.
    mutating func sync() throws {
        while let file = retired.first {
            try file.sync()
            file.close()
            retired.removeFirst()
        }
        guard let file else { return }
        unsynced = false
        try file.sync()
    }

    /// A handle on the file written since the last sync, to put it on the disk elsewhere
    /// (then close); nil when there is nothing to sync.
    mutating func handleToSync() throws -> AppendOnlyFile? {
        guard unsynced, let file else { return nil }
        unsynced = false
        return try file.duplicate()
    }

    private func exists(day: String, sequence: Int) -> Bool {
        let manager = FileManager.default
        return manager.fileExists(atPath: fileURL(day: day, sequence: sequence).path)
            || manager.fileExists(atPath: fileURL(day: day, sequence: sequence, compressed: true).path)
    }

    /// Opens the day's newest file when it has `room`, else starts the next one, so that
    /// records stay in order across files and restarts; the records of repairs made go
    /// into `chunk`, first.
    private mutating func open(day newDay: String, room: Int, into chunk: inout [UInt8]) throws {
        let previous = file == nil ? nil : name
        retire()
        var sequence = 0
        if let previous, previous.day == newDay {
            sequence = previous.sequence + 1
        } else {
            while exists(day: newDay, sequence: sequence + 1) { sequence += 1 }
        }
        var repairs: [AuditLine] = []
        var earlierRun: [URL] = []
        if !repairedDirectory {
            // At start: whatever a crash left behind, whichever of the stream's files it was writing.
            earlierRun = try streamFiles().filter { !$0.name.compressed }.map(\.url)
            repairs = try TornLineRepair.repairFiles(earlierRun)
            repairedDirectory = true
        } else if let repair = try TornLineRepair.repair(fileURL(day: newDay, sequence: sequence)) {
            // A file given up after a failed write may end inside a line too.
            repairs.append(repair)
        }
        if chain != nil, prev == nil { prev = try lastSeal() }
        var url = fileURL(day: newDay, sequence: sequence)
        var opened = try AppendOnlyFile(path: url.path)
        var existing = try opened.size()
        let needed = room + repairs.reduce(0) { $0 + $1.bytes.count + AuditChain.sealLength + 1 }
        if FileManager.default.fileExists(atPath: fileURL(day: newDay, sequence: sequence, compressed: true).path)
            || (existing > 0 && existing + needed > maxFileBytes)
        {
            opened.close()
            sequence += 1
            url = fileURL(day: newDay, sequence: sequence)
            opened = try AppendOnlyFile(path: url.path)
            existing = try opened.size()
        }
        if let previous { finished.append(directory.appendingPathComponent(previous.description)) }
        // Files an earlier run left uncompressed, repaired now, but for the one this run goes on writing.
        finished += earlierRun.filter { $0.lastPathComponent != url.lastPathComponent }
        file = opened
        name = AuditFileName(stream: stream, day: newDay, sequence: sequence)
        size = existing
        for repair in repairs { seal(repair.bytes, into: &chunk) }
    }

    private func streamFiles() throws -> [AuditDirectory.File] {
        try AuditDirectory(url: directory).streams()[stream] ?? []
    }

    /// The seal of the stream's last complete record, from its files; genesis when it has
    /// none (a new stream), or when its last record has no seal (written before the chain).
    private func lastSeal() throws -> ChainValue {
        guard let chain, let last = try lastCompleteLine() else { return .genesis }
        return chain.check(last)?.mac ?? .genesis
    }

    /// The stream's last complete record as it was given to `append` (without its seal);
    /// nil when it has none.
    func lastRecord() throws -> [UInt8]? {
        guard var line = try lastCompleteLine() else { return nil }
        if let chain, line.withUnsafeBytes({ chain.check($0) }) != nil {
            line.removeLast(AuditChain.sealLength)
            line.append(UInt8(ascii: "}"))
        }
        return line
    }

    /// The last complete line of the newest of the stream's files that has one.
    private func lastCompleteLine() throws -> [UInt8]? {
        for file in try streamFiles().reversed() {
            if let last = try AuditFileTail.lastCompleteLine(of: file.url) { return last }
        }
        return nil
    }

    /// Forgets the open file and where the chain stands, after a failed write: the next
    /// write reopens the file, repairs a torn end and reads the chain back from the disk.
    mutating func abandon() {
        file?.close()
        file = nil
        prev = nil
    }

    /// Stops writing the current file; its writes not yet on the disk are synced later
    /// (`retired`), not here, on the writer's way.
    private mutating func retire() {
        guard let file else { return }
        if unsynced { retired.append(file) } else { file.close() }
        self.file = nil
        unsynced = false
    }

    /// Closes the file, first putting what was written on the disk.
    mutating func close() throws {
        defer {
            file?.close()
            file = nil
        }
        if unsynced || !retired.isEmpty { try sync() }
    }
}
