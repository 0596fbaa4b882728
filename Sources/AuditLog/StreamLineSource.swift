import Foundation

/// The lines of one stream's files, in order, as `ChainEntry`s, with a look-ahead: the
/// verifier peeks at the lines after a broken link to tell a reorder from a deletion.
/// Only the entries looked ahead at are kept, never the lines themselves.
struct StreamLineSource {
    let files: [AuditDirectory.File]
    let chain: AuditChain
    /// Lines of the first file before this time are skipped.
    let since: RecordTime?
    private var fileIndex = -1
    private var reader: AuditLineReader?
    private var skipping: Bool
    private var ahead: [ChainEntry] = []
    private var aheadStart = 0
    private var failed = false
    /// The number of the last line read from the current file.
    private var lineNumber = 0

    init(files: [AuditDirectory.File], chain: AuditChain, since: RecordTime?) {
        self.files = files
        self.chain = chain
        self.since = since
        skipping = since != nil
    }

    /// The next entry; nil after the last line of the last file (or a failure).
    mutating func next() -> ChainEntry? {
        if aheadStart < ahead.count {
            defer {
                aheadStart += 1
                if aheadStart == ahead.count {
                    ahead.removeAll(keepingCapacity: true)
                    aheadStart = 0
                }
            }
            return ahead[aheadStart]
        }
        return read()
    }

    /// The entry `offset` after the one `next()` returned last (0: the one it returns next).
    mutating func peek(_ offset: Int) -> ChainEntry? {
        while ahead.count - aheadStart <= offset {
            guard let entry = read() else { return nil }
            ahead.append(entry)
        }
        return ahead[aheadStart + offset]
    }

    private mutating func read() -> ChainEntry? {
        while !failed {
            if reader == nil {
                fileIndex += 1
                lineNumber = 0
                guard fileIndex < files.count else { return nil }
                do {
                    reader = try AuditLineReader(url: files[fileIndex].url)
                } catch {
                    return fail("cannot be opened: \(error.localizedDescription)")
                }
            }
            let line: AuditLineReader.Line?
            do {
                line = try reader!.next()
            } catch {
                return fail("cannot be read: \(error)")
            }
            guard let line else {
                reader?.close()
                reader = nil
                continue
            }
            lineNumber = line.number
            let entry = line.bytes.withUnsafeBytes { ChainEntry(file: fileIndex, line: line.number, bytes: $0, complete: line.complete, chain: chain) }
            if skipping {
                guard let since, let time = entry.time, time < since else {
                    skipping = false
                    return entry
                }
                continue
            }
            return entry
        }
        return nil
    }

    /// Ends the stream at a file that cannot be read on: the entry saying so, at the line
    /// that could not be read.
    private mutating func fail(_ message: String) -> ChainEntry {
        failed = true
        reader?.close()
        reader = nil
        return ChainEntry(file: fileIndex, line: lineNumber + 1, failure: message)
    }
}
