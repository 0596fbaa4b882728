import Foundation

/// Appends lines to the current day's audit file, starting a new one by day or by size:
/// `audit-YYYY-MM-DD.jsonl`, then `audit-YYYY-MM-DD.1.jsonl`, `.2`, … Before it first
/// appends, it repairs audit files that a crash left ending inside a line
/// (`TornLineRepair`), and records each repair.
struct RotatingFileWriter {
    let directory: URL
    let maxFileBytes: Int
    private var file: AppendOnlyFile?
    private var day = ""
    private var sequence = 0
    private var size = 0
    private var repairedDirectory = false
    /// Whether bytes were written since the last `sync`.
    private var unsynced = false

    init(directory: URL, maxFileBytes: Int) {
        self.directory = directory
        self.maxFileBytes = maxFileBytes
    }

    func fileURL(day: String, sequence: Int) -> URL {
        directory.appendingPathComponent(sequence == 0 ? "audit-\(day).jsonl" : "audit-\(day).\(sequence).jsonl")
    }

    /// Writes the lines with one system call, or as few as rotation allows.
    mutating func append(lines: [[UInt8]]) throws {
        guard !lines.isEmpty else { return }
        let today = UTCTimestamp.day()
        var chunk: [UInt8] = []
        chunk.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for line in lines {
            let length = line.count + 1
            if file == nil || today != day || (size > 0 && size + length > maxFileBytes) {
                try write(&chunk)
                try open(day: today, room: length)
            }
            chunk.append(contentsOf: line)
            chunk.append(0x0A)
        }
        try write(&chunk)
    }

    private mutating func write(_ chunk: inout [UInt8]) throws {
        guard let file, !chunk.isEmpty else { return }
        unsynced = true
        try file.append(chunk)
        size += chunk.count
        chunk.removeAll(keepingCapacity: true)
    }

    /// Puts what was written on the disk.
    mutating func sync() throws {
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

    /// Opens the day's newest file when it has `room`, else starts the next one, so that
    /// records stay in order across files and restarts.
    private mutating func open(day newDay: String, room: Int) throws {
        let continuing = newDay == day && file != nil
        try close()
        day = newDay
        let manager = FileManager.default
        if continuing {
            sequence += 1
        } else {
            sequence = 0
            while manager.fileExists(atPath: fileURL(day: day, sequence: sequence + 1).path) { sequence += 1 }
        }
        var url = fileURL(day: day, sequence: sequence)
        var repairs: [AuditLine] = []
        if !repairedDirectory {
            // At start: whatever a crash left behind, whichever file it was writing.
            repairs = try TornLineRepair.repairFiles(in: directory)
            repairedDirectory = true
        } else if let repair = try TornLineRepair.repair(url) {
            // A file given up after a failed write may end inside a line too.
            repairs.append(repair)
        }
        var opened = try AppendOnlyFile(path: url.path)
        var existing = try opened.size()
        let needed = room + repairs.reduce(0) { $0 + $1.bytes.count + 1 }
        if existing > 0 && existing + needed > maxFileBytes {
            opened.close()
            sequence += 1
            url = fileURL(day: day, sequence: sequence)
            opened = try AppendOnlyFile(path: url.path)
            existing = try opened.size()
        }
        file = opened
        size = existing
        var chunk: [UInt8] = []
        for repair in repairs {
            chunk.append(contentsOf: repair.bytes)
            chunk.append(0x0A)
        }
        try write(&chunk)
    }

    /// Closes the file, first putting what was written since the last sync on the disk.
    mutating func close() throws {
        guard let file else { return }
        defer {
            file.close()
            self.file = nil
        }
        if unsynced { try sync() }
    }
}
