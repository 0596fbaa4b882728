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
    /// HMAC-SHA256 as two hashes started on the padded key (RFC 2104), so that a line is
    /// hashed from its buffer as it is: `verify` checks every line of every file.
    private let inner: SHA256
    private let outer: SHA256

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
        // The derived key (32 bytes) is shorter than SHA-256's block: padded with zeros.
        let padded = Array(derived) + [UInt8](repeating: 0, count: SHA256.blockByteCount - SHA256.byteCount)
        inner = Self.started(padded.map { $0 ^ 0x36 })
        outer = Self.started(padded.map { $0 ^ 0x5C })
    }

    private static func started(_ block: [UInt8]) -> SHA256 {
        var hash = SHA256()
        block.withUnsafeBytes { hash.update(bufferPointer: $0) }
        return hash
    }

    private func digest(_ bytes: UnsafeRawBufferPointer) -> SHA256.Digest {
        var innerHash = inner
        innerHash.update(bufferPointer: bytes)
        var outerHash = outer
        innerHash.finalize().withUnsafeBytes { outerHash.update(bufferPointer: $0) }
        return outerHash.finalize()
    }

    private func mac(_ bytes: UnsafeRawBufferPointer) -> ChainValue {
        ChainValue(bytes: Array(digest(bytes)))
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
        let computed = digest(UnsafeRawBufferPointer(rebasing: line[..<macStart]))
        let intact = computed.withUnsafeBytes { computed in carried.bytes.withUnsafeBytes { memcmp(computed.baseAddress!, $0.baseAddress!, 32) == 0 } }
        return Seal(prev: prev, mac: carried, intact: intact)
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
