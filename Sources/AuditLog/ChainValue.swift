/// An audit record's seal (`mac`), which the next record carries as its `prev`: 32 bytes,
/// written as 64 lowercase hex digits.
public struct ChainValue: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// What the first record of a chain carries as `prev`.
    public static let genesis = ChainValue(bytes: [UInt8](repeating: 0, count: 32))

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32)
        self.bytes = bytes
    }

    /// From 64 lowercase hex digits; nil for anything else.
    public init?(hex: some Collection<UInt8>) {
        guard hex.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        var index = hex.startIndex
        for at in 0..<32 {
            guard let high = Self.nibble(hex[index]) else { return nil }
            index = hex.index(after: index)
            guard let low = Self.nibble(hex[index]) else { return nil }
            index = hex.index(after: index)
            bytes[at] = high << 4 | low
        }
        self.bytes = bytes
    }

    public init?(hex: String) {
        self.init(hex: Array(hex.utf8))
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    static let digits = Array("0123456789abcdef".utf8)

    public var hex: [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(Self.digits[Int(byte >> 4)])
            text.append(Self.digits[Int(byte & 0x0F)])
        }
        return text
    }

    public var description: String { String(decoding: hex, as: UTF8.self) }
}
