/// A record's `time` as its 24 bytes (`2026-11-28T02:22:00.123Z`), held without an
/// allocation so that every line can carry one; ordered as the text is, which is time order.
struct RecordTime: Comparable, Sendable {
    private var high: UInt64
    private var middle: UInt64
    private var low: UInt64

    static let length = 24
    /// `{"time":"`: a schema 1 record's time starts at this offset.
    private static let opening = Array(#"{"time":""#.utf8)

    /// The time of a line that starts with it; nil for any other line.
    init?(line: UnsafeRawBufferPointer) {
        let start = Self.opening.count
        guard line.count > start + Self.length, line[start + Self.length] == UInt8(ascii: "\"") else { return nil }
        for (index, byte) in Self.opening.enumerated() where line[index] != byte { return nil }
        self.init(UnsafeRawBufferPointer(rebasing: line[start..<(start + Self.length)]))
    }

    /// From a time in the records' form; nil when it is not 24 bytes.
    init?(text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == Self.length else { return nil }
        self = bytes.withUnsafeBytes { Self($0) }
    }

    private init(_ bytes: UnsafeRawBufferPointer) {
        high = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        middle = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        low = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
    }

    var text: String {
        withUnsafeBytes(of: (high.bigEndian, middle.bigEndian, low.bigEndian)) { String(decoding: $0, as: UTF8.self) }
    }

    static func < (lhs: RecordTime, rhs: RecordTime) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }
}
