/// What the verifier keeps of one line while it looks ahead: where the line is, its seal,
/// its time, and the members of the few kinds the report lists.
struct ChainEntry {
    /// Index of the line's file in the stream's list.
    var file: Int
    /// From 1.
    var line: Int
    /// The line's length with its newline.
    var byteCount: Int
    /// False for a last line with no newline.
    var complete: Bool
    /// Nil when the line carries no seal.
    var seal: AuditChain.Seal?
    /// Whether the line is a schema 1 record (`v` after `time`), sealed or not.
    var schema1: Bool
    var time: RecordTime?
    var record: Listed?
    /// Why the file could not be read on from here; the entry holds nothing else then.
    var failure: String?

    /// The kinds of record the report lists, with what it says of them.
    enum Listed {
        case gap(dropped: Int, reason: String)
        case repair(file: String, offset: Int, fragmentBytes: Int, sideFile: String)
        case checkpoint(keptFromFile: String?, keptFromPrev: ChainValue?)
    }

    init(file: Int, line: Int, bytes: UnsafeRawBufferPointer, complete: Bool, chain: AuditChain) {
        self.file = file
        self.line = line
        byteCount = bytes.count + (complete ? 1 : 0)
        self.complete = complete
        seal = chain.check(bytes)
        time = RecordTime(line: bytes)
        schema1 = time != nil && Self.matches(Self.version, bytes, at: 34)
        record = schema1 ? Self.listed(bytes) : nil
    }

    init(file: Int, line: Int, failure: String) {
        self.file = file
        self.line = line
        byteCount = 0
        complete = false
        schema1 = false
        self.failure = failure
    }

    private static let version = Array(#","v":"#.utf8)
    private static let kindOpening = Array(#""kind":""#.utf8)
    private static let gap = Array(#"gap""#.utf8)
    private static let repair = Array(#"repair""#.utf8)
    private static let checkpoint = Array(#"checkpoint""#.utf8)

    /// The members of a gap, repair or checkpoint record; nil for other kinds, told from the
    /// bytes after `kind`, so that only these few lines are parsed.
    private static func listed(_ bytes: UnsafeRawBufferPointer) -> Listed? {
        var at = 39
        let end = min(bytes.count - kindOpening.count, 64)
        while at < end, !matches(kindOpening, bytes, at: at) { at += 1 }
        guard at < end else { return nil }
        at += kindOpening.count
        guard matches(gap, bytes, at: at) || matches(repair, bytes, at: at) || matches(checkpoint, bytes, at: at),
            let record = AuditRecord(line: Array(bytes), stream: "")
        else { return nil }
        switch record.kind {
        case "gap":
            return .gap(dropped: Int(record.number("dropped") ?? 0), reason: record.string("reason") ?? "")
        case "repair":
            return .repair(
                file: record.string("file") ?? "", offset: Int(record.number("offset") ?? 0),
                fragmentBytes: Int(record.number("fragmentBytes") ?? 0), sideFile: record.string("sideFile") ?? "")
        default:
            let keptFrom = record.value["keptFrom"]
            return .checkpoint(
                keptFromFile: keptFrom?["file"]?.stringValue, keptFromPrev: keptFrom?["prev"]?.stringValue.flatMap { ChainValue(hex: $0) })
        }
    }

    private static func matches(_ expected: [UInt8], _ bytes: UnsafeRawBufferPointer, at start: Int) -> Bool {
        guard start + expected.count <= bytes.count else { return false }
        for (offset, byte) in expected.enumerated() where bytes[start + offset] != byte { return false }
        return true
    }
}
