/// Ids of pushes and hook calls: random (version 4) UUIDs in lower case, which APNs
/// also accepts as `apns-id`.
///
/// Made from the system's secure generator and formatted here rather than through
/// Foundation's `UUID`, which on Linux opens, reads and closes `/dev/urandom` for each
/// id: one id per hook call made that a fifth of the hook's system calls.
public enum PushIdentifier {
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40  // version 4
            raw[8] = raw[8] & 0x3F | 0x80  // RFC 4122 variant
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
