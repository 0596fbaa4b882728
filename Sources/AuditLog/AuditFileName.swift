/// The name of one audit file: `audit-[<stream>-]<day>[.<sequence>].jsonl[.gz]`.
///
/// A stream is one writer's chain: none for a single instance (SQLite mode), the
/// instance id when several instances write (PostgreSQL mode), with `:` written `_`.
/// Files of a stream sort by day, then sequence (a day's files are started by size);
/// a rotated file is compressed (`.gz`).
public struct AuditFileName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The writer's stream; "" for the single instance's.
    public var stream: String
    /// `YYYY-MM-DD`, UTC: the records' day.
    public var day: String
    public var sequence: Int
    public var compressed: Bool

    public init(stream: String, day: String, sequence: Int, compressed: Bool = false) {
        self.stream = stream
        self.day = day
        self.sequence = sequence
        self.compressed = compressed
    }

    /// The stream name of an instance id: characters a file name may hold.
    public static func stream(instanceId: String) -> String {
        String(instanceId.map { $0 == ":" || $0 == "/" ? "_" : $0 })
    }

    public var description: String {
        var name = "audit-"
        if !stream.isEmpty { name += stream + "-" }
        name += day
        if sequence > 0 { name += ".\(sequence)" }
        name += ".jsonl"
        if compressed { name += ".gz" }
        return name
    }

    /// The same file before compression.
    public var uncompressed: AuditFileName {
        var name = self
        name.compressed = false
        return name
    }

    /// Parses a file name; nil for files that are not audit files (side files of torn
    /// lines, temporary files, the key).
    public init?(_ name: String) {
        guard name.hasPrefix("audit-") else { return nil }
        var rest = Substring(name.dropFirst(6))
        compressed = rest.hasSuffix(".jsonl.gz")
        if compressed {
            rest = rest.dropLast(9)
        } else if rest.hasSuffix(".jsonl") {
            rest = rest.dropLast(6)
        } else {
            return nil
        }
        // `<stream>-<day>` or `<day>`, then an optional `.<sequence>`.
        sequence = 0
        if rest.count > 10, let dot = rest.lastIndex(of: "."), rest.distance(from: dot, to: rest.endIndex) <= 10,
            let number = Int(rest[rest.index(after: dot)...]), number > 0, rest[rest.index(after: dot)...].allSatisfy(\.isASCII)
        {
            sequence = number
            rest = rest[..<dot]
        }
        guard rest.count >= 10 else { return nil }
        let dayPart = rest.suffix(10)
        guard Self.isDay(dayPart) else { return nil }
        day = String(dayPart)
        let head = rest.dropLast(10)
        if head.isEmpty {
            stream = ""
        } else {
            guard head.count > 1, head.last == "-" else { return nil }
            stream = String(head.dropLast())
        }
    }

    private static func isDay(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    /// Stream, then day, then sequence: the order records were written in.
    public static func < (lhs: AuditFileName, rhs: AuditFileName) -> Bool {
        (lhs.stream, lhs.day, lhs.sequence) < (rhs.stream, rhs.day, rhs.sequence)
    }
}
