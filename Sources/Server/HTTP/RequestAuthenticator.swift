import Crypto
import Foundation
import HTTPTypes

/// App identity and hook-key checks, as the official hook hosts do them.
struct RequestAuthenticator: Sendable {
    /// nil: unsecured, every request is admitted.
    let secrets: AppSecrets?
    /// How far a signature's timestamp may be from now, either way, in milliseconds; 0: any time.
    let signatureWindowMilliseconds: Int64

    init(secrets: AppSecrets?, signatureWindowSeconds: Int) {
        self.secrets = secrets
        signatureWindowMilliseconds = Int64(signatureWindowSeconds) * 1000
    }

    private static func field(_ name: String) -> HTTPField.Name { HTTPField.Name(name)! }
    private static let idHeaders = ["X-LC-Id", "X-AVOSCloud-Application-Id", "X-Uluru-Application-Id"].map(field)
    private static let keyHeaders = ["X-LC-Key", "X-AVOSCloud-Application-Key", "X-Uluru-Application-Key"].map(field)
    private static let masterHeaders = ["X-AVOSCloud-Master-Key", "X-Uluru-Master-Key"].map(field)
    private static let signHeaders = ["X-LC-Sign", "X-AVOSCloud-Request-Sign"].map(field)
    static let hookKeyHeader = field("X-LC-Hook-Key")

    private static func first(_ names: [HTTPField.Name], in headers: HTTPFields) -> String? {
        for name in names {
            if let value = headers[name] { return value }
        }
        return nil
    }

    /// Who is calling, or nil when the request is not admitted.
    func caller(_ headers: HTTPFields) -> Caller? {
        guard let secrets else { return .unsecured }
        guard let id = Self.first(Self.idHeaders, in: headers), ConstantTime.equals(id, secrets.appId) else { return nil }
        if let key = Self.first(Self.keyHeaders, in: headers) {
            if key.hasSuffix(",master") {
                return ConstantTime.equals(key.dropLast(",master".count), secrets.masterKey) ? .master : nil
            }
            if ConstantTime.equals(key, secrets.appKey) { return .app }
            return ConstantTime.equals(key, secrets.masterKey) ? .master : nil
        }
        if let master = Self.first(Self.masterHeaders, in: headers) {
            return ConstantTime.equals(master, secrets.masterKey) ? .master : nil
        }
        if let sign = Self.first(Self.signHeaders, in: headers) {
            return verify(signature: sign, secrets: secrets)
        }
        return nil
    }

    /// `<md5hex>,<timestamp>[,master]`: md5hex is MD5 of the timestamp followed by the
    /// app key (or the master key with `,master`). The timestamp is in milliseconds, as the
    /// SDKs send it, and must be within the window of now so that a captured signature expires.
    private func verify(signature: String, secrets: AppSecrets) -> Caller? {
        let parts = signature.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2 || (parts.count == 3 && parts[2] == "master") else { return nil }
        let timestamp = parts[1]
        guard isFresh(timestamp) else { return nil }
        let master = parts.count == 3
        let key = master ? secrets.masterKey : secrets.appKey
        let digest = Insecure.MD5.hash(data: Array((timestamp + key).utf8))
        let expected = digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        guard ConstantTime.equals(parts[0].lowercased(), expected) else { return nil }
        return master ? .master : .app
    }

    /// At most this many digits: milliseconds since 1970 have 13 until the year 2286.
    static let maxTimestampDigits = 16

    private func isFresh(_ timestamp: Substring) -> Bool {
        guard (1...Self.maxTimestampDigits).contains(timestamp.utf8.count),
              timestamp.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let milliseconds = Int64(timestamp)
        else { return false }
        guard signatureWindowMilliseconds > 0 else { return true }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return abs(now - milliseconds) <= signatureWindowMilliseconds
    }

    /// Whether a realtime hook call carries the hook key.
    func hasHookKey(_ headers: HTTPFields) -> Bool {
        guard let secrets else { return true }
        guard let given = headers[Self.hookKeyHeader] else { return false }
        return ConstantTime.equals(given, secrets.hookKey)
    }
}
