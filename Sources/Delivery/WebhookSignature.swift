import Crypto

/// The webhook's signature: hex HMAC-SHA256 over `timestamp + "." + body` with the
/// endpoint's secret. The endpoint recomputes it, compares in constant time, and
/// refuses old timestamps to stop replays.
public enum WebhookSignature {
    public static let timestampHeader = "X-PushCompose-Timestamp"
    public static let signatureHeader = "X-PushCompose-Signature"

    public static func sign(timestamp: String, body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: signed(timestamp, body), using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// What an endpoint checks: `signature` is the hex HMAC of `timestamp + "." + body`,
    /// compared in constant time. (Freshness of the timestamp is the endpoint's to check.)
    public static func isValid(_ signature: String, timestamp: String, body: [UInt8], secret: String) -> Bool {
        guard let code = bytes(hex: signature) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: signed(timestamp, body), using: SymmetricKey(data: Array(secret.utf8)))
    }

    private static func signed(_ timestamp: String, _ body: [UInt8]) -> [UInt8] {
        Array(timestamp.utf8) + [UInt8(ascii: ".")] + body
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
