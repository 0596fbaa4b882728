import Crypto
import Foundation
import Synchronization

/// Issues and checks dashboard sessions without storing them: a session cookie is its
/// expiry and a nonce, sealed with an HMAC under a key derived from the admin token, so
/// that it holds across restarts and instances sharing the token, and changing the token
/// signs everyone out. The CSRF token is a second MAC over the cookie, which a page of
/// another origin can neither read nor compute. Signing out is remembered by this
/// instance until the session would have expired anyway.
final class DashboardSessions: Sendable {
    static let cookieName = "pushcompose_session"
    /// The header every cookie-authenticated request must carry.
    static let csrfHeader = "X-PushCompose-CSRF"

    let lifetime: TimeInterval
    private let key: SymmetricKey
    /// Nonces of sessions signed out here, with their expiry.
    private let signedOut = Mutex<[String: TimeInterval]>([:])

    init(adminToken: String, lifetime: TimeInterval = 12 * 3600) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(adminToken.utf8)), info: Data("pushcompose dashboard session 1".utf8),
            outputByteCount: 32)
        self.lifetime = lifetime
    }

    func issue(now: Date) -> DashboardSession {
        let expiry = Int64(now.timeIntervalSince1970 + lifetime)
        let nonce = Self.hex(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        let sealed = "\(expiry).\(nonce)"
        let cookie = sealed + "." + mac("session:" + sealed)
        return DashboardSession(cookieValue: cookie, nonce: nonce, csrf: mac("csrf:" + cookie), expiresAt: Date(timeIntervalSince1970: TimeInterval(expiry)))
    }

    /// The session a cookie names, if it is sealed with this token's key, unexpired and
    /// not signed out.
    func session(cookie: String, now: Date) -> DashboardSession? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int64(parts[0]), parts[1].count == 32, parts[2].count == 64 else { return nil }
        let sealed = "\(parts[0]).\(parts[1])"
        guard ConstantTime.equals(parts[2], mac("session:" + sealed)) else { return nil }
        guard TimeInterval(expiry) > now.timeIntervalSince1970 else { return nil }
        let nonce = String(parts[1])
        guard signedOut.withLock({ $0[nonce] == nil }) else { return nil }
        return DashboardSession(cookieValue: cookie, nonce: nonce, csrf: mac("csrf:" + cookie), expiresAt: Date(timeIntervalSince1970: TimeInterval(expiry)))
    }

    func signOut(_ session: DashboardSession, now: Date) {
        signedOut.withLock { signedOut in
            signedOut = signedOut.filter { $0.value > now.timeIntervalSince1970 }
            signedOut[session.nonce] = session.expiresAt.timeIntervalSince1970
        }
    }

    private func mac(_ text: String) -> String {
        Self.hex(Array(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
