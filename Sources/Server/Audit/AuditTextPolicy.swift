import Crypto
import Foundation

/// What audit records keep of message text and payloads, ready to apply: the configured
/// mode with, for `hash`, its key.
enum AuditTextPolicy: Sendable {
    case full
    /// HMAC-SHA256 under the key's bytes.
    case hmac(key: [UInt8])
    case none

    /// The policy for `mode`; in hash mode, the key is the configured one, else the one
    /// kept in the data directory (`AuditHashKey`).
    init(mode: AuditTextMode, configuredKey: String, data: URL) throws {
        switch mode {
        case .full: self = .full
        case .hash: self = .hmac(key: try AuditHashKey.resolve(configured: configuredKey, data: data))
        case .none: self = .none
        }
    }

    /// Whether records keep texts as they are (`full`): then they keep a call's input too.
    var keepsText: Bool {
        if case .full = self { return true }
        return false
    }

    /// The HMAC-SHA256 of `text` under `key`, in lowercase hex.
    static func hmac(_ text: String, key: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key))
        return hexDigits(code)
    }

    static func hexDigits(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
