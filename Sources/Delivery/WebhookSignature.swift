import Crypto

/// The webhook's signature: hex HMAC-SHA256 over `timestamp + "." + body` with the
/// endpoint's secret. The endpoint recomputes it, compares in constant time, and
/// refuses old timestamps to stop replays.
public enum WebhookSignature {
    public static let timestampHeader = "X-PushCompose-Timestamp"
    public static let signatureHeader = "X-PushCompose-Signature"

    public static func sign(timestamp: String, body: [UInt8], secret: String) -> String {
        var message = Array(timestamp.utf8)
        message.append(UInt8(ascii: "."))
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
