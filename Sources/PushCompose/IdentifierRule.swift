/// What a client or conversation id may be, at every entry point (hooks, admin API, CLI).
///
/// An id is kept exactly as given and used as a key in memory and in storage. Control
/// characters are refused because storage and logs may cut or mangle them (SQLite's C
/// API ends a string at NUL), which would put one id's state on another's. The length
/// limit is generous: the platform's client ids are at most 64 characters.
public enum IdentifierRule {
    /// The longest id accepted, in UTF-8 bytes.
    public static let maxUTF8Bytes = 256

    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// A C0 control (U+0000–U+001F), DEL (U+007F) or a C1 control (U+0080–U+009F).
        case controlCharacter(Unicode.Scalar)
        case tooLong(utf8Bytes: Int)

        public var description: String {
            switch self {
            case .controlCharacter(let scalar):
                return "must not contain control characters (found \(Self.codePoint(scalar)))"
            case .tooLong(let bytes):
                return "is \(bytes) bytes long, more than the limit of \(IdentifierRule.maxUTF8Bytes) UTF-8 bytes"
            }
        }

        private static func codePoint(_ scalar: Unicode.Scalar) -> String {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }

    /// Why `id` is refused, or nil when it is a usable id.
    public static func problem(_ id: String) -> Problem? {
        var id = id
        return id.withUTF8 { bytes in
            guard bytes.count <= maxUTF8Bytes else { return .tooLong(utf8Bytes: bytes.count) }
            // Scanning bytes: C0 and DEL are single bytes, C1 controls are 0xC2 0x80–0x9F.
            for (offset, byte) in bytes.enumerated() {
                if byte < 0x20 || byte == 0x7F {
                    return .controlCharacter(Unicode.Scalar(byte))
                }
                if byte == 0xC2, offset + 1 < bytes.count, (0x80...0x9F).contains(bytes[offset + 1]) {
                    return .controlCharacter(Unicode.Scalar(bytes[offset + 1]))
                }
            }
            return nil
        }
    }
}
