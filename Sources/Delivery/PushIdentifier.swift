#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ids of pushes and hook calls: time-ordered (version 7) UUIDs in lower case, which APNs
/// also accepts as `apns-id`: the milliseconds since 1970 (48 bits), the fraction of the
/// millisecond (12 bits), then 62 random bits.
///
/// Time-ordered so that the stores' indexes on push ids grow at their end: with random
/// ids a batch of inserts landed on pages all over an index, and each of those pages was
/// written again (an experiment's exposures wrote about 13 KB per hook call, most of it
/// index pages). As text, lexicographic order is time order.
///
/// The random bits come from the system's secure generator (one call per id) and the text
/// is formatted here rather than through Foundation's `UUID`, which on Linux opens, reads
/// and closes `/dev/urandom` for each id.
public enum PushIdentifier {
    public static func random() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var generator = SystemRandomNumberGenerator()
        return id(nanoseconds: UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec), random: generator.next())
    }

    /// The id of the time `nanoseconds` since 1970 with the random bits of `random`.
    public static func id(nanoseconds: UInt64, random: UInt64) -> String {
        let milliseconds = nanoseconds / 1_000_000
        let fraction = (nanoseconds % 1_000_000) * 4_096 / 1_000_000  // 12 bits
        // Bytes 0–5 the milliseconds, 6–7 the version and the fraction; 8–15 random.
        var bytes = ((milliseconds << 16 | 0x7000 | fraction).bigEndian, random)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[8] = raw[8] & 0x3F | 0x80  // RFC 9562 variant
            return format(UnsafeRawBufferPointer(raw))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` from 16 bytes.
    private static func format(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 36) { text in
            var at = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[at] = UInt8(ascii: "-")
                    at += 1
                }
                text[at] = hexDigits[Int(byte >> 4)]
                text[at + 1] = hexDigits[Int(byte & 0x0F)]
                at += 2
            }
            return at
        }
    }
}
