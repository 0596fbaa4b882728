import Foundation
import JWTKit
import PushCompose

/// A Google service account's key, as the JSON file the Firebase console gives: what
/// signs the assertions (RS256 JWTs) exchanged for FCM access tokens.
public struct FCMServiceAccount: Sendable {
    public var projectId: String
    public var clientEmail: String
    public var privateKeyId: String?
    /// The OAuth 2 token endpoint the assertions are exchanged at.
    public var tokenURI: String
    private let key: Insecure.RSA.PrivateKey

    /// - Parameter json: the service-account file's text.
    public init(json: [UInt8]) throws(ProviderConfigurationError) {
        func refuse(_ reason: String) -> ProviderConfigurationError {
            ProviderConfigurationError(setting: "fcmServiceAccountFile", reason: reason)
        }
        guard let file = try? JSONParser.parse(json), case .object = file else { throw refuse("is not a JSON object") }
        if let type = file["type"]?.stringValue, type != "service_account" { throw refuse("is a '\(type)' file, not a service account") }
        func field(_ name: String) throws(ProviderConfigurationError) -> String {
            guard let value = file[name]?.stringValue, !value.isEmpty else { throw refuse("has no '\(name)'") }
            return value
        }
        projectId = try field("project_id")
        clientEmail = try field("client_email")
        privateKeyId = file["private_key_id"]?.stringValue
        tokenURI = try field("token_uri")
        guard let components = URLComponents(string: tokenURI), ["http", "https"].contains(components.scheme?.lowercased()), components.host?.isEmpty == false else {
            throw refuse("has a 'token_uri' that is not an http or https URL")
        }
        do {
            key = try Insecure.RSA.PrivateKey(pem: try field("private_key"))
        } catch let error as ProviderConfigurationError {
            throw error
        } catch {
            throw refuse("has a 'private_key' that is not a PEM RSA private key")
        }
    }

    /// The scope an FCM access token must carry.
    public static let messagingScope = "https://www.googleapis.com/auth/firebase.messaging"

    /// An assertion for the token endpoint, valid for an hour from `now`.
    func assertion(now: Date) async throws -> String {
        let keys = await JWTKeyCollection().add(rsa: key, digestAlgorithm: .sha256, kid: privateKeyId.map { JWKIdentifier(string: $0) })
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = FCMAssertionClaims(
            iss: IssuerClaim(value: clientEmail), scope: Self.messagingScope, aud: AudienceClaim(value: tokenURI),
            iat: IssuedAtClaim(value: issuedAt), exp: ExpirationClaim(value: issuedAt.addingTimeInterval(3600)))
        return try await keys.sign(claims, kid: privateKeyId.map { JWKIdentifier(string: $0) })
    }
}

/// What an assertion claims: who signs it, for which scope and endpoint, and when.
struct FCMAssertionClaims: JWTPayload {
    var iss: IssuerClaim
    var scope: String
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
