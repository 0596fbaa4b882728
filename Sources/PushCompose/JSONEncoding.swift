/// Encodes `JSONValue`s to JSON text. Every string, whatever it contains, is escaped
/// here: rendered template text is never spliced into JSON by hand.
public enum JSONEncoding {
    public static func string(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the UTF-8 of `value`'s JSON to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: append("null", to: &out)
        case .bool(let b): append(b ? "true" : "false", to: &out)
        case .number(let n): append(numberText(n), to: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `strings` as a JSON array, without building a `JSONValue` of it first.
    public static func write(strings: [String], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(string, into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    static func numberText(_ n: Double) -> String {
        if n.isNaN || n.isInfinite { return "null" }  // JSON has no such numbers
        if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        return String(n)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            // No `reserveCapacity` here: it grows to exactly what is asked, so reserving
            // for each string of a long list copied the whole buffer each time.
            out.append(UInt8(ascii: "\""))
            var runStart = 0
            var index = 0
            // Copies runs of bytes that need no escape in one append.
            func escape(_ replacement: StaticString, width: Int = 1) {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                out.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
                index += width
                runStart = index
            }
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case 0x22: escape("\\\"")
                case 0x5C: escape("\\\\")
                case 0x0A: escape("\\n")
                case 0x0D: escape("\\r")
                case 0x09: escape("\\t")
                case 0x08: escape("\\b")
                case 0x0C: escape("\\f")
                case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    // U+2028/2029 are valid JSON but break JavaScript consumers of the payload.
                    escape(bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029", width: 3)
                case ..<0x20:
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
                    index += 1
                    runStart = index
                default:
                    index += 1
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            out.append(UInt8(ascii: "\""))
        }
    }
}
