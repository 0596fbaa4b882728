import Foundation

/// The cheap test a line passes before it is parsed: its time (bytes 9..<33, where every
/// record writes it) within the range, and every needle somewhere in its bytes. A line
/// that fails cannot match; one that passes is parsed and matched exactly, so a needle
/// found in another member (a message text, say) costs a parse, never a wrong answer.
struct AuditLinePrefilter: Sendable {
    var needles: [ByteNeedle]
    /// Nil also for a bound not in the records' form: the exact match alone decides then.
    var since: RecordTime?
    var until: RecordTime?

    func admits(_ line: UnsafeRawBufferPointer) -> Bool {
        // A line not starting as every record does is left to the exact match.
        if since != nil || until != nil, let time = RecordTime(line: line) {
            if let since, time < since { return false }
            if let until, time >= until { return false }
        }
        for needle in needles where !needle.occurs(in: line) { return false }
        return true
    }
}
