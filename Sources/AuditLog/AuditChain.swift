import Crypto
import Foundation

/// Seals audit records into a hash chain and checks sealed lines.
///
/// A sealed line is the record with two members added at its end:
/// `…,"prev":"<64 hex>","mac":"<64 hex>"}`. `prev` is the `mac` of the record before
/// it in the chain (`ChainValue.genesis` for the first), and `mac` is the HMAC-SHA256,
/// under a key derived from the audit key, of the line's bytes up to and including
/// `prev`'s value. An edited record fails its own `mac`; a deleted, inserted or moved
/// one breaks the link of the record after it; and whoever can rewrite the files but
/// does not hold the key cannot make new seals.
public struct AuditChain: Sendable {
    private let keyed: HMAC<SHA256>

    /// Bytes after `prev`'s value: `","mac":"`, 64 hex digits and `"}`.
    static let macTailLength = 9 + 64 + 2
    /// Bytes from `,"prev":"` to the end of the line.
    public static let sealLength = 9 + 64 + macTailLength
    private static let prevOpening = Array(#","prev":""#.utf8)
    private static let macOpening = Array(#"","mac":""#.utf8)

    /// - Parameter auditKey: the configured audit key's bytes. The chain's key is derived
    ///   from it, so that it differs from the key of hashed texts.
    public init(auditKey: [UInt8]) {
        let derived = HMAC<SHA256>.authenticationCode(for: Array("pushcompose audit chain 1".utf8), using: SymmetricKey(data: auditKey))
        keyed = HMAC<SHA256>(key: SymmetricKey(data: Array(derived)))
    }

    private func mac(_ bytes: UnsafeRawBufferPointer) -> ChainValue {
        var hmac = keyed
        hmac.update(data: bytes)
        return ChainValue(bytes: Array(hmac.finalize()))
    }

    /// `record` (a JSON object's bytes, `}` last) sealed after `prev`; its `mac` is the
    /// next record's `prev`.
    public func seal(_ record: [UInt8], prev: ChainValue) -> (line: [UInt8], mac: ChainValue) {
        precondition(record.count > 2 && record.last == UInt8(ascii: "}"), "an audit record is a non-empty JSON object")
        var line = record
        line.reserveCapacity(record.count + Self.sealLength)
        line.removeLast()
        line.append(contentsOf: Self.prevOpening)
        line.append(contentsOf: prev.hex)
        let mac = line.withUnsafeBytes { self.mac($0) }
        line.append(contentsOf: Self.macOpening)
        line.append(contentsOf: mac.hex)
        line.append(UInt8(ascii: "\""))
        line.append(UInt8(ascii: "}"))
        return (line, mac)
    }

    /// What a line's seal says: nil when the line carries none (not a sealed record).
    public func check(_ line: UnsafeRawBufferPointer) -> Seal? {
        let count = line.count
        guard count > Self.sealLength + 1, line[count - 1] == UInt8(ascii: "}"), line[count - 2] == UInt8(ascii: "\"") else { return nil }
        let prevStart = count - Self.sealLength
        let macStart = count - Self.macTailLength
        guard Self.matches(Self.prevOpening, line, at: prevStart), Self.matches(Self.macOpening, line, at: macStart),
            let prev = ChainValue(hex: UnsafeRawBufferPointer(rebasing: line[(prevStart + 9)..<(prevStart + 73)])),
            let carried = ChainValue(hex: UnsafeRawBufferPointer(rebasing: line[(macStart + 9)..<(macStart + 73)]))
        else { return nil }
        let computed = mac(UnsafeRawBufferPointer(rebasing: line[..<macStart]))
        return Seal(prev: prev, mac: carried, intact: computed == carried)
    }

    public func check(_ line: some Collection<UInt8>) -> Seal? {
        Array(line).withUnsafeBytes { check($0) }
    }

    private static func matches(_ expected: [UInt8], _ line: UnsafeRawBufferPointer, at start: Int) -> Bool {
        for (offset, byte) in expected.enumerated() where line[start + offset] != byte { return false }
        return true
    }

    /// A sealed line's `prev` and `mac`, and whether the `mac` is the line's own.
    public struct Seal: Sendable, Equatable {
        public var prev: ChainValue
        public var mac: ChainValue
        /// The line is as it was sealed: its `mac` is the HMAC of its bytes.
        public var intact: Bool

        public init(prev: ChainValue, mac: ChainValue, intact: Bool) {
            self.prev = prev
            self.mac = mac
            self.intact = intact
        }
    }
}
