extension JSONParser {
    /// Why JSON text was refused, and where: the byte offset of the first byte at fault.
    public struct Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        public enum Reason: Equatable, Sendable, CustomStringConvertible {
            /// The input ended while `expected` was still to come.
            case unexpectedEnd(expected: String)
            /// `found` stands where `expected` should.
            case unexpectedByte(UInt8, expected: String)
            /// A UTF-8 byte order mark before the value: RFC 8259 forbids sending one.
            case byteOrderMark
            /// Arrays and objects nested deeper than `limit`.
            case tooDeep(limit: Int)
            /// Not `true`, `false` or `null` although it starts like one.
            case invalidLiteral(expected: String)
            /// A number against the grammar: what is wrong with it.
            case invalidNumber(String)
            /// A raw byte below 0x20 inside a string: JSON requires it escaped.
            case controlCharacter(UInt8)
            /// `\` followed by something other than `" \ / b f n r t u`.
            case invalidEscape(UInt8)
            /// `\u` not followed by four hex digits.
            case invalidUnicodeEscape
            /// A string's raw bytes are not UTF-8.
            case invalidUTF8

            public var description: String {
                switch self {
                case .unexpectedEnd(let expected): return "unexpected end of input, expected \(expected)"
                case .unexpectedByte(let byte, let expected): return "expected \(expected), found \(Self.name(of: byte))"
                case .byteOrderMark: return "byte order mark before the JSON value"
                case .tooDeep(let limit): return "arrays and objects nested deeper than \(limit)"
                case .invalidLiteral(let expected): return "invalid literal, expected \(expected)"
                case .invalidNumber(let problem): return "invalid number: \(problem)"
                case .controlCharacter(let byte): return "unescaped control character \(Self.hex(byte)) in a string"
                case .invalidEscape(let byte): return "invalid escape '\\' followed by \(Self.name(of: byte)) in a string"
                case .invalidUnicodeEscape: return "invalid \\u escape: expected four hex digits"
                case .invalidUTF8: return "invalid UTF-8 in a string"
                }
            }

            /// A byte as a reader can tell it: printable ASCII quoted, anything else in hex.
            static func name(of byte: UInt8) -> String {
                (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : hex(byte)
            }

            static func hex(_ byte: UInt8) -> String {
                let digits = String(byte, radix: 16, uppercase: true)
                return "0x" + (digits.count == 1 ? "0" + digits : digits)
            }
        }

        /// Bytes from the start of the input.
        public var offset: Int
        public var reason: Reason

        public init(offset: Int, reason: Reason) {
            self.offset = offset
            self.reason = reason
        }

        public var description: String { "\(reason) at byte \(offset)" }
    }
}
