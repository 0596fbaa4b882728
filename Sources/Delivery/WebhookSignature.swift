import Crypto

/// The webhook's signature: hex HMAC-SHA256 over `timestamp + "." + body` with the
/// endpoint's secret. The endpoint recomputes it, compares in constant time, and
/// refuses old timestamps to stop replays.
public struct WebhookSignature: Sendable {
    public static let timestampHeader = "X-PushCompose-Timestamp"
    public static let signatureHeader = "X-PushCompose-Signature"

    /// The HMAC keyed once with the secret; each signature updates a copy. Keying (two
    /// hashed pads) was half of what signing a push cost. A copy shares its digest state
    /// until updated, then copies it (copy-on-write), so the keyed one is never changed.
    private let keyed: HMAC<SHA256>

    public init(secret: String) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
    }

    public func sign(timestamp: String, body: [UInt8]) -> String {
        let code = code(timestamp, body)
        return String(unsafeUninitializedCapacity: SHA256.byteCount * 2) { text in
            var index = 0
            for byte in code {
                text[index] = Self.hexDigits[Int(byte >> 4)]
                text[index + 1] = Self.hexDigits[Int(byte & 0x0f)]
                index += 2
            }
            return index
        }
    }

    /// What an endpoint checks: `signature` is the hex HMAC of `timestamp + "." + body`,
    /// compared in constant time. (Freshness of the timestamp is the endpoint's to check.)
    public func isValid(_ signature: String, timestamp: String, body: [UInt8]) -> Bool {
        guard let bytes = Self.bytes(hex: signature) else { return false }
        return code(timestamp, body) == bytes
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private func code(_ timestamp: String, _ body: [UInt8]) -> HMAC<SHA256>.MAC {
        var mac = keyed
        mac.update(data: Array(timestamp.utf8))
        mac.update(data: [UInt8(ascii: ".")])
        mac.update(data: body)
        return mac.finalize()
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
