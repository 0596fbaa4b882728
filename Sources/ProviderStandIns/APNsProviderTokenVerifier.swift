import Crypto
import Foundation
import PushCompose
import Synchronization

/// Checks APNs provider tokens (ES256 JWTs) the way APNs does, each distinct token
/// once: a sender reuses one token for up to an hour, and verifying a signature per
/// request would make the stand-in the bottleneck of a benchmark.
final class APNsProviderTokenVerifier: Sendable {
    /// What a token's signature and claims say, independent of the time of the request.
    enum Verdict: Sendable, Equatable {
        case valid(issuedAt: Date)
        case invalid(String)
    }

    /// Distinct tokens kept at most; a run that exceeds it starts over (tokens are
    /// refreshed at most every 20 minutes, so only a misbehaving sender gets there).
    private static let cacheLimit = 10_000

    private let keyId: String
    private let teamId: String
    private let publicKey: P256.Signing.PublicKey
    private let verdicts = Mutex<(byToken: [String: Verdict], verified: Int)>(([:], 0))

    init(keyId: String, teamId: String, publicKey: P256.Signing.PublicKey) {
        self.keyId = keyId
        self.teamId = teamId
        self.publicKey = publicKey
    }

    /// Signatures verified so far: the distinct tokens seen, unless the cache started over.
    var tokensVerified: Int { verdicts.withLock { $0.verified } }

    func verdict(for token: String) -> Verdict {
        if let known = verdicts.withLock({ $0.byToken[token] }) { return known }
        let verdict = verify(token)
        verdicts.withLock { verdicts in
            if verdicts.byToken.count >= Self.cacheLimit { verdicts.byToken.removeAll() }
            // Two connections may verify the same new token at once: count it once.
            if verdicts.byToken.updateValue(verdict, forKey: token) == nil { verdicts.verified += 1 }
        }
        return verdict
    }

    private func verify(_ token: String) -> Verdict {
        let jwt: CompactJWT
        switch CompactJWT.parse(token) {
        case .success(let parsed): jwt = parsed
        case .failure(let error): return .invalid("provider token: \(error.description)")
        }
        guard jwt.header["alg"] == .string("ES256") else {
            return .invalid("provider token alg is \(jwt.header["alg"].map(JSONEncoding.string) ?? "absent"), not ES256")
        }
        guard jwt.header["kid"] == .string(keyId) else {
            return .invalid("provider token kid is \(jwt.header["kid"].map(JSONEncoding.string) ?? "absent"), not \(keyId)")
        }
        guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: jwt.signature),
            publicKey.isValidSignature(signature, for: Data(jwt.signingInput.utf8))
        else { return .invalid("provider token signature does not verify with the key \(keyId)") }
        guard jwt.claims["iss"] == .string(teamId) else {
            return .invalid("provider token iss is \(jwt.claims["iss"].map(JSONEncoding.string) ?? "absent"), not \(teamId)")
        }
        guard let issuedAt = jwt.date("iat") else { return .invalid("provider token has no numeric iat") }
        return .valid(issuedAt: issuedAt)
    }
}
