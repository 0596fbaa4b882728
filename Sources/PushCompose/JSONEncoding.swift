/// Encodes `JSONValue`s to JSON text. Every string, whatever it contains, is escaped
/// here: rendered template text is never spliced into JSON by hand.
public enum JSONEncoding {
    public static func string(_ value: JSONValue) -> String {
        var out = ""
        out.reserveCapacity(128)
        write(value, into: &out)
        return out
    }

    public static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): writeNumber(n, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                writeString(member.key, into: &out)
                out += ":"
                write(member.value, into: &out)
            }
            out += "}"
        }
    }

    static func writeNumber(_ n: Double, into out: inout String) {
        if n.isNaN || n.isInfinite {
            out += "null"  // JSON has no such numbers
        } else if n == n.rounded(), abs(n) < 1e15 {
            out += String(Int64(n))
        } else {
            out += String(n)
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        var s = s
        s.withUTF8 { bytes in
            // Copy runs of bytes that need no escape in one append.
            var runStart = 0
            var index = 0
            out.append("\"")
            func flush(upTo end: Int) {
                if end > runStart {
                    out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self))
                }
            }
            while index < bytes.count {
                let byte = bytes[index]
                var escape: String?
                var width = 1
                switch byte {
                case 0x22: escape = "\\\""
                case 0x5C: escape = "\\\\"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x08: escape = "\\b"
                case 0x0C: escape = "\\f"
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    // U+2028/2029 are valid JSON but break JavaScript consumers of the payload.
                    escape = bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    width = 3
                case ..<0x20:
                    let hex = String(byte, radix: 16)
                    escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default:
                    break
                }
                if let escape {
                    flush(upTo: index)
                    out.append(escape)
                    index += width
                    runStart = index
                } else {
                    index += 1
                }
            }
            flush(upTo: index)
            out.append("\"")
        }
    }
}
