/// Checks one stream's chain, line by line in file order, and stops at its first problem:
/// each record's seal must be its own (`mac`), and each must link (`prev`) to the record
/// before it, across files. At a broken link it looks a little ahead to tell records out
/// of order from records deleted.
struct StreamVerifier {
    /// Lines looked at past a broken link (kept in memory as `ChainEntry`s, not lines).
    static let lookAhead = 64

    private let files: [AuditDirectory.File]
    private var source: StreamLineSource
    private let fromSince: Bool
    private var result: StreamVerification

    /// The `mac` of the last record accepted: the next one's `prev`. Nil until the chain starts.
    private var expected: ChainValue?
    /// Where the last accepted record is.
    private var last = (file: 0, line: 0)
    /// The last accepted records' seals and places, to recognise a copied record.
    private var recent: [(mac: ChainValue, file: Int, line: Int)] = []
    private var accepted = 0
    /// The first record's `prev` when it is not genesis: a checkpoint must explain it.
    private var firstLink: (prev: ChainValue, file: Int, line: Int)?
    private var checkpoints: [(file: String?, prev: ChainValue?, at: Int, line: Int)] = []
    private var reached = -1
    private var firstTime: RecordTime?
    private var lastTime: RecordTime?

    init(stream: String, files: [AuditDirectory.File], chain: AuditChain, since: RecordTime?) {
        self.files = files
        source = StreamLineSource(files: files, chain: chain, since: since)
        fromSince = since != nil
        result = StreamVerification(stream: stream)
    }

    mutating func run() -> StreamVerification {
        while let entry = source.next(), check(entry) {}
        // The files after the last line checked (empty ones), unless `since` skipped every line.
        if result.problem == nil, !fromSince || reached >= 0 { reach(files.count - 1) }
        resolveStart()
        result.firstTime = firstTime?.text
        result.lastTime = lastTime?.text
        return result
    }

    private func name(_ file: Int) -> String { files[file].name.description }

    /// Checks one line; false once the stream has its problem.
    private mutating func check(_ entry: ChainEntry) -> Bool {
        reach(entry.file)
        if let failure = entry.failure {
            return problem(.unreadable, entry, "\(name(entry.file)) \(failure)")
        }
        result.bytes += entry.byteCount
        if !entry.complete {
            guard entry.file == files.count - 1 else {
                return problem(
                    .torn, entry,
                    "the line ends without a newline, but \(name(entry.file)) is not the stream's newest file: the file was cut inside a line, and what followed is missing")
            }
            result.tornEnd = VerifyTornEnd(file: name(entry.file), line: entry.line, bytes: entry.byteCount)
            return true
        }
        guard let seal = entry.seal else {
            if expected == nil, !entry.schema1 {
                result.unsealed += 1
                count(entry)
                return true
            }
            if entry.schema1 {
                return problem(.edited, entry, "the record's seal (prev, mac at its end) is missing or damaged")
            }
            return problem(.inserted, entry, "a line without a seal among sealed records: it was added (or its seal removed)")
        }
        guard seal.intact else { return brokenSeal(entry, seal) }
        if let expected {
            guard seal.prev == expected else { return brokenLink(entry, seal, expected: expected) }
        } else {
            start(entry, seal)
        }
        accept(entry, seal)
        return true
    }

    private mutating func start(_ entry: ChainEntry, _ seal: AuditChain.Seal) {
        if fromSince {
            result.start = .since
        } else if seal.prev == .genesis {
            result.start = .genesis
        } else {
            firstLink = (seal.prev, entry.file, entry.line)
            result.start = .unconfirmed
        }
    }

    private mutating func accept(_ entry: ChainEntry, _ seal: AuditChain.Seal) {
        expected = seal.mac
        last = (entry.file, entry.line)
        if recent.count < Self.lookAhead {
            recent.append((seal.mac, entry.file, entry.line))
        } else {
            recent[accepted % Self.lookAhead] = (seal.mac, entry.file, entry.line)
        }
        accepted += 1
        count(entry)
        switch entry.record {
        case .gap(let dropped, let reason)?:
            result.gaps.append(VerifyGap(file: name(entry.file), line: entry.line, time: entry.time?.text ?? "", dropped: dropped, reason: reason))
        case .repair(let file, let offset, let fragmentBytes, let sideFile)?:
            result.repairs.append(
                VerifyRepair(
                    file: name(entry.file), line: entry.line, time: entry.time?.text ?? "", repairedFile: file, offset: offset,
                    fragmentBytes: fragmentBytes, sideFile: sideFile))
        case .checkpoint(let file, let prev)?:
            checkpoints.append((file, prev, entry.file, entry.line))
        case nil:
            break
        }
    }

    private mutating func count(_ entry: ChainEntry) {
        result.records += 1
        if let time = entry.time {
            if firstTime == nil { firstTime = time }
            lastTime = time
        }
    }

    /// Lists the files up to `file` as checked; with `since`, from the first one a line was
    /// checked in.
    private mutating func reach(_ file: Int) {
        if fromSince, reached < 0 { reached = file - 1 }
        while reached < file {
            reached += 1
            result.files.append(name(reached))
        }
    }

    private mutating func problem(_ kind: VerifyFinding.Kind, _ entry: ChainEntry, _ message: String) -> Bool {
        result.problem = VerifyFinding(kind: kind, file: name(entry.file), line: entry.line, message: message)
        return false
    }

    private func place(_ file: Int, _ line: Int) -> String {
        "\(name(file)):\(line)"
    }

    /// A record whose `mac` is not its own: changed after sealing, unless the records
    /// around it link to each other without it (then it was put there).
    private mutating func brokenSeal(_ entry: ChainEntry, _ seal: AuditChain.Seal) -> Bool {
        let next = source.peek(0)?.seal
        if let next, next.prev != seal.mac, let expected, next.prev == expected {
            return problem(
                .inserted, entry,
                "a record not sealed with this key, and the record after it links to \(place(last.file, last.line)) before it: it was put there")
        }
        return problem(.edited, entry, "the record was changed after it was sealed: its mac is not the HMAC of its bytes")
    }

    /// A record that does not link to the one before it: a copy, out of order, or after
    /// records that were deleted.
    private mutating func brokenLink(_ entry: ChainEntry, _ seal: AuditChain.Seal, expected: ChainValue) -> Bool {
        if let copy = recent.first(where: { $0.mac == seal.mac }) {
            return problem(.inserted, entry, "a copy of the record at \(place(copy.file, copy.line))")
        }
        var successor: (entry: ChainEntry, offset: Int)?
        var predecessor: ChainEntry?
        for offset in 0..<Self.lookAhead {
            guard let later = source.peek(offset), later.failure == nil else { break }
            if successor == nil, later.seal?.prev == expected { successor = (later, offset) }
            if predecessor == nil, later.seal?.mac == seal.prev { predecessor = later }
            if successor != nil && predecessor != nil { break }
        }
        if let predecessor {
            return problem(
                .reordered, entry,
                "records out of order: this one follows the record at \(place(predecessor.file, predecessor.line)), which comes after it")
        }
        if let (successor, offset) = successor {
            if offset == 0 {
                return problem(
                    .inserted, entry,
                    "a record that does not belong here: the record after it links to \(place(last.file, last.line)) before it (inserted, or moved here from far away)")
            }
            return problem(
                .reordered, entry,
                "records out of order: the record that follows \(place(last.file, last.line)) is at \(place(successor.file, successor.line)), after this one")
        }
        return missing(entry, seal)
    }

    private mutating func missing(_ entry: ChainEntry, _ seal: AuditChain.Seal) -> Bool {
        var message: String
        if entry.file != last.file {
            let previous = name(last.file)
            if entry.line == 1 {
                message = "records are missing before \(name(entry.file)): its first record does not link to the last record of \(previous) (line \(last.line)): "
                if let hole = missingFile(before: entry.file) {
                    message += "\(hole) is missing"
                } else {
                    message += "\(previous) was cut short after line \(last.line), or a whole file between them was deleted"
                }
            } else {
                message = "records are missing before this line: lines at the start of \(name(entry.file)) or after line \(last.line) of \(previous) were deleted"
            }
        } else {
            message = "records are missing before this line: it does not link to line \(last.line), the record before it"
        }
        if seal.prev == .genesis { message += " (it links to the chain's start, as if the chain began again here)" }
        return problem(.missing, entry, message)
    }

    /// The name of the file that should come between the last record's file and `file`,
    /// when the sequence numbers say one is absent.
    private func missingFile(before file: Int) -> String? {
        let previous = files[last.file].name
        let current = files[file].name
        var expected = current
        expected.compressed = true
        if previous.day == current.day {
            guard current.sequence > previous.sequence + 1 else { return nil }
            expected.sequence = previous.sequence + 1
        } else {
            guard current.sequence > 0 else { return nil }
            expected.sequence = 0
        }
        return expected.description
    }

    /// The history's start: genesis, since, or explained by a checkpoint; a first record
    /// linking to earlier history that no checkpoint explains is a problem (when the check
    /// got that far).
    private mutating func resolveStart() {
        guard let firstLink else { return }
        let firstFile = files[firstLink.file].name.uncompressed
        if let checkpoint = checkpoints.first(where: { checkpoint in
            checkpoint.prev == firstLink.prev && checkpoint.file.map { AuditFileName($0)?.uncompressed == firstFile } != false
        }) {
            result.start = .checkpoint(file: name(checkpoint.at), line: checkpoint.line)
            return
        }
        guard result.problem == nil else { return }
        result.problem = VerifyFinding(
            kind: .missing, file: name(firstLink.file), line: firstLink.line,
            message:
                "history before \(name(firstLink.file)) is missing: its first record links to an earlier record, and no checkpoint record says that older files were deleted")
    }
}
