import Foundation
import JWTKit

/// The app's APNs signing key (a `.p8` key from the developer account), its key id and
/// the team id: what signs the provider tokens (ES256 JWTs with `kid`, `iss`, `iat`).
public struct APNsCredentials: Sendable {
    public var keyId: String
    public var teamId: String
    private let key: ES256PrivateKey

    /// - Parameter privateKeyPEM: the `.p8` file's text.
    public init(keyId: String, teamId: String, privateKeyPEM: String) throws(ProviderConfigurationError) {
        guard !keyId.isEmpty else { throw ProviderConfigurationError(setting: "apnsKeyId", reason: "must be set") }
        guard !teamId.isEmpty else { throw ProviderConfigurationError(setting: "apnsTeamId", reason: "must be set") }
        do {
            key = try ES256PrivateKey(pem: privateKeyPEM)
        } catch {
            throw ProviderConfigurationError(setting: "apnsKeyFile", reason: "is not an APNs signing key (a PEM P-256 private key, the .p8 file)")
        }
        self.keyId = keyId
        self.teamId = teamId
    }

    /// A new provider token issued at `now` (whole seconds, as APNs expects). Made a few
    /// times an hour, so the key collection is not kept.
    public func sign(now: Date) async throws -> String {
        let keys = await JWTKeyCollection().add(ecdsa: key, kid: JWKIdentifier(string: keyId))
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        return try await keys.sign(APNsTokenClaims(iss: IssuerClaim(value: teamId), iat: IssuedAtClaim(value: issuedAt)), kid: JWKIdentifier(string: keyId))
    }
}

/// What a provider token claims: the team, and when it was made.
struct APNsTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var iat: IssuedAtClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
