import Foundation

/// The cheap test a line passes before it is parsed: its time (bytes 9..<33, where every
/// record writes it) within the range, and every needle somewhere in its bytes. A line
/// that fails cannot match; one that passes is parsed and matched exactly, so a needle
/// found in another member (a message text, say) costs a parse, never a wrong answer.
struct AuditLinePrefilter: Sendable {
    var needles: [ByteNeedle]
    var since: [UInt8]?
    var until: [UInt8]?

    private static let timeOpening = Array(#"{"time":""#.utf8)
    static let timeRange = 9..<33

    func admits(_ line: UnsafeRawBufferPointer) -> Bool {
        if since != nil || until != nil, let time = Self.time(of: line) {
            if let since, Self.compare(time, since) < 0 { return false }
            if let until, Self.compare(time, until) >= 0 { return false }
        }
        for needle in needles where !needle.occurs(in: line) { return false }
        return true
    }

    /// The time's bytes, when the line starts as every record does (else the exact match decides).
    private static func time(of line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard line.count > timeRange.upperBound, line[timeRange.upperBound] == UInt8(ascii: "\"") else { return nil }
        for (offset, byte) in timeOpening.enumerated() where line[offset] != byte { return nil }
        return UnsafeRawBufferPointer(rebasing: line[timeRange])
    }

    private static func compare(_ time: UnsafeRawBufferPointer, _ bound: [UInt8]) -> Int32 {
        bound.withUnsafeBytes { bound in
            let common = min(time.count, bound.count)
            let order = memcmp(time.baseAddress!, bound.baseAddress!, common)
            return order != 0 ? order : Int32(time.count - bound.count)
        }
    }
}
