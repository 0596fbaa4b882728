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
        guard let value = Array(hex).withUnsafeBytes({ ChainValue(hex: $0) }) else { return nil }
        self = value
    }

    public init?(hex: String) {
        self.init(hex: Array(hex.utf8))
    }

    /// From 64 lowercase hex digits in a buffer, as every sealed line holds two; nil for
    /// anything else.
    public init?(hex: UnsafeRawBufferPointer) {
        guard hex.count == 64 else { return nil }
        var invalid: UInt8 = 0
        bytes = [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            for at in 0..<32 {
                let high = Self.value(hex[2 * at]), low = Self.value(hex[2 * at + 1])
                invalid |= (high | low) & 0xF0
                buffer.initializeElement(at: at, to: high << 4 | low & 0x0F)
            }
            count = 32
        }
        guard invalid == 0 else { return nil }
    }

    /// A digit's value, 0xFF when it is not one.
    @inline(__always)
    private static func value(_ digit: UInt8) -> UInt8 {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit &- UInt8(ascii: "a") &+ 10
        default: 0xFF
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
