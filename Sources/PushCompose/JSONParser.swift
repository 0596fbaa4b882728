/// Parses JSON text (RFC 8259) into a `JSONValue`, keeping object keys in order.
///
/// The hook body is parsed on every call; going through `Decodable` into an untyped
/// value costs several thrown errors per scalar, so this reads the bytes directly.
///
/// Choices where RFC 8259 leaves room:
/// - a repeated object key keeps its first position and its last value, as JavaScript's
///   `JSON.parse`; keys compare as Swift compares strings (canonical equivalence);
/// - a lone surrogate escape (`\ud83d` not followed by a low one, or a lone `\udc00`)
///   reads as U+FFFD, what JavaScript's lone code unit becomes in UTF-8 (a Swift string
///   cannot hold one); raw bytes that are not UTF-8 are refused;
/// - a number beyond `Double`'s range is ±infinity and one below it zero, as in JavaScript;
/// - a byte order mark is refused, as JavaScript's `JSON.parse` refuses U+FEFF;
/// - arrays and objects nest at most `maxDepth` deep.
public struct JSONParser {
    /// Nesting deeper than this is refused rather than risking the stack.
    public static let maxDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses one JSON value filling the whole input (white space around it allowed).
    public static func parse(_ input: some Collection<UInt8>) throws(Error) -> JSONValue {
        let result: Result<JSONValue, Error>? = input.withContiguousStorageIfAvailable { buffer in
            Self.parseBuffer(buffer)
        }
        switch result ?? Array(input).withUnsafeBufferPointer({ Self.parseBuffer($0) }) {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    public static func parse(_ text: String) throws(Error) -> JSONValue {
        var text = text
        let result = text.withUTF8 { Self.parseBuffer($0) }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    private static func parseBuffer(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, Error> {
        var parser = JSONParser(buffer)
        return Result { () throws(Error) -> JSONValue in
            if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
                throw Error(offset: 0, reason: .byteOrderMark)
            }
            parser.skipWhitespace()
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.unexpected("the end of the input") }
            return value
        }
    }

    /// The byte at `index` is not `expected`, or the input ended before it.
    private func unexpected(_ expected: String) -> Error {
        guard index < bytes.count else { return Error(offset: index, reason: .unexpectedEnd(expected: expected)) }
        return Error(offset: index, reason: .unexpectedByte(bytes[index], expected: expected))
    }

    private func next(is byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(Error) -> JSONValue {
        guard index < bytes.count else { throw unexpected("a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw unexpected("a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Error) {
        for byte in UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount) {
            guard index < bytes.count else { throw unexpected("'\(word)'") }
            guard bytes[index] == byte else { throw Error(offset: index, reason: .invalidLiteral(expected: "'\(word)'")) }
            index += 1
        }
    }

    private mutating func object(depth: Int) throws(Error) -> JSONValue {
        guard depth <= Self.maxDepth else { throw Error(offset: index, reason: .tooDeep(limit: Self.maxDepth)) }
        index += 1
        var members = JSONObjectBuilder()
        skipWhitespace()
        if next(is: UInt8(ascii: "}")) {
            index += 1
            return .object([])
        }
        while true {
            skipWhitespace()
            guard next(is: UInt8(ascii: "\"")) else { throw unexpected("a string key") }
            let key = try string()
            skipWhitespace()
            guard next(is: UInt8(ascii: ":")) else { throw unexpected("':'") }
            index += 1
            skipWhitespace()
            members.set(key, try value(depth: depth))
            skipWhitespace()
            if next(is: UInt8(ascii: ",")) {
                index += 1
            } else if next(is: UInt8(ascii: "}")) {
                index += 1
                return .object(members.members)
            } else {
                throw unexpected("',' or '}'")
            }
        }
    }

    private mutating func array(depth: Int) throws(Error) -> JSONValue {
        guard depth <= Self.maxDepth else { throw Error(offset: index, reason: .tooDeep(limit: Self.maxDepth)) }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if next(is: UInt8(ascii: "]")) {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth))
            skipWhitespace()
            if next(is: UInt8(ascii: ",")) {
                index += 1
            } else if next(is: UInt8(ascii: "]")) {
                index += 1
                return .array(items)
            } else {
                throw unexpected("',' or ']'")
            }
        }
    }

    private mutating func string() throws(Error) -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try validated(start..<index)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw Error(offset: index, reason: .controlCharacter(byte)) }
            index += 1
        }
        var scratch = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let end = index
                index += 1
                if let text = scratch.withUnsafeBufferPointer(Self.text(from:)) { return text }
                // Escapes are ASCII and decode to whole UTF-8 sequences, so the raw text is
                // not UTF-8 either: find the fault there, at the input's offset.
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
                throw Error(offset: start + Self.firstInvalidUTF8(in: raw), reason: .invalidUTF8)
            case UInt8(ascii: "\\"):
                try unescape(into: &scratch)
            default:
                if byte < 0x20 { throw Error(offset: index, reason: .controlCharacter(byte)) }
                scratch.append(byte)
                index += 1
            }
        }
        throw unexpected("'\"' to end the string")
    }

    /// Reads the escape at `index` (a backslash) and appends what it stands for.
    private mutating func unescape(into scratch: inout [UInt8]) throws(Error) {
        index += 1
        guard index < bytes.count else { throw unexpected("an escaped character") }
        let escape = bytes[index]
        switch escape {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            guard var code = hex4(at: index + 1) else { throw Error(offset: index - 1, reason: .invalidUnicodeEscape) }
            index += 5
            // A high surrogate pairs with an escaped low one right after it.
            if (0xD800..<0xDC00).contains(code), next(is: UInt8(ascii: "\\")), index + 1 < bytes.count,
               bytes[index + 1] == UInt8(ascii: "u"), let low = hex4(at: index + 2), (0xDC00..<0xE000).contains(low) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                index += 6
            }
            // A lone surrogate is no scalar: it reads as U+FFFD.
            UTF8.encode(Unicode.Scalar(code) ?? "\u{FFFD}") { scratch.append($0) }
            return
        default:
            throw Error(offset: index, reason: .invalidEscape(escape))
        }
        index += 1
    }

    /// The value of the four hex digits at `position`, if there are four.
    private func hex4(at position: Int) -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// The input's bytes in `range` as a string, refused when they are not UTF-8.
    private func validated(_ range: Range<Int>) throws(Error) -> String {
        let buffer = UnsafeBufferPointer(rebasing: bytes[range])
        guard let text = Self.text(from: buffer) else {
            throw Error(offset: range.lowerBound + Self.firstInvalidUTF8(in: buffer), reason: .invalidUTF8)
        }
        return text
    }

    /// `buffer` as a string, if it is UTF-8.
    private static func text(from buffer: UnsafeBufferPointer<UInt8>) -> String? {
        // Ids and most keys are ASCII, which needs no validation beyond the check.
        if buffer.allSatisfy({ $0 < 0x80 }) { return String(decoding: buffer, as: UTF8.self) }
        return String(validating: buffer, as: UTF8.self)
    }

    /// Where the first sequence that is not UTF-8 starts in `buffer`.
    private static func firstInvalidUTF8(in buffer: UnsafeBufferPointer<UInt8>) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = buffer.makeIterator()
        var offset = 0
        while case .valid(let sequence) = parser.parseScalar(from: &iterator) { offset += sequence.count }
        return offset
    }

    private mutating func number() throws(Error) -> Double {
        let start = index
        var isInteger = true
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        if next(is: UInt8(ascii: "-")) { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0 else { throw Error(offset: index, reason: .invalidNumber("no digit after '-'")) }
        if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") {
            throw Error(offset: integerStart, reason: .invalidNumber("leading zero"))
        }
        if next(is: UInt8(ascii: ".")) {
            index += 1
            isInteger = false
            guard digits() > 0 else { throw Error(offset: index, reason: .invalidNumber("no digit after '.'")) }
        }
        if next(is: UInt8(ascii: "e")) || next(is: UInt8(ascii: "E")) {
            index += 1
            isInteger = false
            if next(is: UInt8(ascii: "+")) || next(is: UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw Error(offset: index, reason: .invalidNumber("no digit in the exponent")) }
        }
        // Ids, types and timestamps: integers of up to 15 digits are exact as a Double.
        if isInteger, integerDigits <= 15 {
            var magnitude: Int64 = 0
            for byte in bytes[integerStart..<index] { magnitude = magnitude * 10 + Int64(byte - UInt8(ascii: "0")) }
            return integerStart == start ? Double(magnitude) : -Double(magnitude)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        // The grammar is checked above, and Double reads any such text (±infinity past its range).
        guard let value = Double(text) else { throw Error(offset: start, reason: .invalidNumber("not representable")) }
        return value
    }
}
