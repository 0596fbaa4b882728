import Crypto
import Foundation
import PushCompose
import _CryptoExtras

/// What Google's token endpoint verifies in a service account's JWT assertion (RS256).
struct FCMAssertionCheck: Sendable {
    static let messagingScope = "https://www.googleapis.com/auth/firebase.messaging"
    /// The longest an assertion may live (`exp` − `iat`).
    static let longestLifetime: TimeInterval = 3600
    /// How far ahead of the stand-in's clock an `iat` may be.
    static let clockSkew: TimeInterval = 300

    var clientEmail: String
    var publicKey: _RSA.Signing.PublicKey

    /// Every problem with `assertion`; empty when Google would grant a token for it.
    /// `audience`: the token endpoint's URL, which the assertion must name.
    func problems(with assertion: String, audience: String, now: Date) -> [String] {
        let jwt: CompactJWT
        switch CompactJWT.parse(assertion) {
        case .success(let parsed): jwt = parsed
        case .failure(let error): return ["assertion: \(error.description)"]
        }
        var problems: [String] = []
        if jwt.header["alg"] != .string("RS256") {
            problems.append("assertion alg is \(jwt.header["alg"].map(JSONEncoding.string) ?? "absent"), not RS256")
        }
        let signature = _RSA.Signing.RSASignature(rawRepresentation: jwt.signature)
        if !publicKey.isValidSignature(signature, for: Data(jwt.signingInput.utf8), padding: .insecurePKCS1v1_5) {
            problems.append("assertion signature does not verify with the service account's key")
        }
        if jwt.claims["iss"] != .string(clientEmail) {
            problems.append("assertion iss is \(jwt.claims["iss"].map(JSONEncoding.string) ?? "absent"), not \(clientEmail)")
        }
        let scopes = jwt.claims["scope"]?.stringValue?.split(separator: " ") ?? []
        if !scopes.contains(Substring(Self.messagingScope)) {
            problems.append("assertion scope does not contain \(Self.messagingScope)")
        }
        // RFC 7519 allows `aud` as one string or an array of them.
        if jwt.claims["aud"] != .string(audience) && jwt.claims["aud"] != .array([.string(audience)]) {
            problems.append("assertion aud is \(jwt.claims["aud"].map(JSONEncoding.string) ?? "absent"), not \(audience)")
        }
        guard let issuedAt = jwt.date("iat"), let expiresAt = jwt.date("exp") else {
            return problems + ["assertion lacks a numeric iat or exp"]
        }
        if expiresAt.timeIntervalSince(issuedAt) > Self.longestLifetime {
            problems.append("assertion lives \(Int(expiresAt.timeIntervalSince(issuedAt))) s, more than an hour")
        }
        if expiresAt <= now { problems.append("assertion expired") }
        if issuedAt.timeIntervalSince(now) > Self.clockSkew { problems.append("assertion iat is in the future") }
        return problems
    }
}
