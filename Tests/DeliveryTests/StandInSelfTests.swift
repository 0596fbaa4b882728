import AsyncHTTPClient
import Crypto
import _CryptoExtras
import Foundation
import JWTKit
import NIOCore
import NIOHTTP1
import NIOSSL
import ProviderStandIns
import PushCompose
import XCTest

/// The APNs and FCM stand-ins over real sockets, against a client that only trusts the
/// test's CA: what they accept, what they refuse and what they answer when scripted.
final class StandInSelfTests: XCTestCase {
    private let keyId = "KEY4567890"
    private let teamId = "TEAM456789"
    private let topic = "com.example.chat"
    private let deviceToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

    func testAPNsAcceptsARightPushOverHTTP2AndRefusesWhatAPNsRefuses() async throws {
        let authority = try TestCertificateAuthority.make()
        let key = P256.Signing.PrivateKey()
        let apns = try await APNsStandIn.start(
            authority: authority, keyId: keyId, teamId: teamId, publicKey: key.publicKey, topic: topic)
        let jwt = try await providerToken(signedBy: key)
        try await withClient(trusting: authority.rootPEM) { client in
            let id = UUID().uuidString
            let accepted = try await push(to: apns, token: deviceToken, jwt: jwt, topic: topic, id: id, client: client)
            XCTAssertEqual(accepted.status, 200)
            XCTAssertEqual(accepted.version, .http2)
            XCTAssertEqual(accepted.apnsId, id)

            let forged = try await providerToken(signedBy: P256.Signing.PrivateKey())
            let refused = try await push(to: apns, token: deviceToken, jwt: forged, topic: topic, client: client)
            XCTAssertEqual(refused.status, 403)
            XCTAssertEqual(refused.json?["reason"], .string("InvalidProviderToken"))

            let untopical = try await push(to: apns, token: deviceToken, jwt: jwt, topic: nil, client: client)
            XCTAssertEqual(untopical.status, 400)
            XCTAssertEqual(untopical.json?["reason"], .string("MissingTopic"))

            apns.script(token: deviceToken, [.error(status: 410, reason: "Unregistered")])
            let gone = try await push(to: apns, token: deviceToken, jwt: jwt, topic: topic, client: client)
            XCTAssertEqual(gone.status, 410)
            XCTAssertEqual(gone.json?["reason"], .string("Unregistered"))
            XCTAssertNotNil(gone.json?["timestamp"])
        }
        let received = apns.received
        XCTAssertEqual(received.count, 4)
        XCTAssertEqual(received.first?.problems, [])
        XCTAssertEqual(received.first?.json?["aps"]?["badge"], .number(3))
        XCTAssertEqual(received.first?.jwtIssuedAt.map { abs($0.timeIntervalSinceNow) < 60 }, true)
        XCTAssertEqual(received.first?.deviceToken, deviceToken)
        XCTAssertEqual(received.map(\.connection), [1, 1, 1, 1])
        XCTAssertEqual(received[1].problems, ["provider token signature does not verify with the key \(keyId)"])
        XCTAssertEqual(received[2].problems, ["no apns-topic"])
        XCTAssertEqual(apns.answeredOK, 1)
        XCTAssertEqual(apns.providerTokensSeen, 2, "each token verified once")
        let fifthArrived = await apns.waitForRequests(5, timeout: .milliseconds(50))
        XCTAssertFalse(fifthArrived)
        try await apns.shutdown()
    }

    func testFCMGrantsATokenForARightAssertionAndRefusesItOnceRevoked() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let clientEmail = "pushcompose@example-project.iam.gserviceaccount.com"
        let fcm = try await FCMStandIn.start(projectId: "example-project", clientEmail: clientEmail, publicKey: key.publicKey)
        let serviceAccount = try JSONParser.parse(fcm.serviceAccountJSON(privateKeyPEM: key.pkcs8PEMRepresentation))
        XCTAssertEqual(serviceAccount["token_uri"], .string(fcm.tokenURL))
        try await withClient(trusting: nil) { client in
            let forged = try await exchange(
                assertion: assertion(signedBy: _RSA.Signing.PrivateKey(keySize: .bits2048), clientEmail: clientEmail, audience: fcm.tokenURL),
                at: fcm, client: client)
            XCTAssertEqual(forged.status, 400)
            XCTAssertEqual(forged.json?["error"], .string("invalid_grant"))

            let granted = try await exchange(
                assertion: assertion(signedBy: key, clientEmail: clientEmail, audience: fcm.tokenURL), at: fcm, client: client)
            XCTAssertEqual(granted.status, 200)
            XCTAssertEqual(granted.json?["expires_in"], .number(3599))
            let accessToken = try XCTUnwrap(granted.json?["access_token"]?.stringValue)

            async let arrival = fcm.waitForRequests(1, timeout: .seconds(10))
            let sent = try await send(to: fcm, accessToken: accessToken, client: client)
            let arrived = await arrival
            XCTAssertTrue(arrived)
            XCTAssertEqual(sent.status, 200)
            XCTAssertEqual(sent.json?["name"], .string("projects/example-project/messages/1"))

            fcm.revokeAccessTokens()
            let refused = try await send(to: fcm, accessToken: accessToken, client: client)
            XCTAssertEqual(refused.status, 401)
            XCTAssertEqual(refused.json?["error"]?["status"], .string("UNAUTHENTICATED"))
        }
        XCTAssertEqual(fcm.tokenRequests, 2)
        XCTAssertEqual(fcm.tokenProblems, [["assertion signature does not verify with the service account's key"]])
        XCTAssertEqual(fcm.received.map(\.problems), [[], ["access token not issued here, revoked or expired"]])
        XCTAssertEqual(fcm.received.first?.deviceToken, "fcm-token-1")
        try await fcm.shutdown()
    }

    // MARK: - APNs helpers

    private struct ProviderTokenClaims: JWTPayload {
        var iss: IssuerClaim
        var iat: IssuedAtClaim
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    private func providerToken(signedBy key: P256.Signing.PrivateKey) async throws -> String {
        let keys = JWTKeyCollection()
        let kid = JWKIdentifier(string: keyId)
        await keys.add(ecdsa: try ES256PrivateKey(backing: key), kid: kid)
        return try await keys.sign(ProviderTokenClaims(iss: .init(value: teamId), iat: .init(value: Date())), kid: kid)
    }

    private struct Answer {
        var status: UInt
        var version: HTTPVersion
        var headers: HTTPHeaders
        var json: JSONValue?
        var apnsId: String? { headers.first(name: "apns-id") }
    }

    private func push(
        to apns: APNsStandIn, token: String, jwt: String, topic: String?, id: String = UUID().uuidString, client: HTTPClient
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: "\(apns.baseURL)/3/device/\(token)")
        request.method = .POST
        request.headers.add(name: "authorization", value: "bearer \(jwt)")
        if let topic { request.headers.add(name: "apns-topic", value: topic) }
        request.headers.add(name: "apns-push-type", value: "alert")
        request.headers.add(name: "apns-id", value: id)
        request.headers.add(name: "apns-priority", value: "10")
        request.body = .bytes(ByteBuffer(string: #"{"aps":{"alert":"Ada: hi","badge":3}}"#))
        return try await send(request, client: client)
    }

    // MARK: - FCM helpers

    private struct AssertionClaims: JWTPayload {
        var iss: IssuerClaim
        var scope: String
        var aud: AudienceClaim
        var iat: IssuedAtClaim
        var exp: ExpirationClaim
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    private func assertion(signedBy key: _RSA.Signing.PrivateKey, clientEmail: String, audience: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PrivateKey(backing: key), digestAlgorithm: .sha256)
        let now = Date()
        return try await keys.sign(
            AssertionClaims(
                iss: .init(value: clientEmail), scope: "https://www.googleapis.com/auth/firebase.messaging", aud: .init(value: audience),
                iat: .init(value: now), exp: .init(value: now + 3600)))
    }

    private func exchange(assertion: String, at fcm: FCMStandIn, client: HTTPClient) async throws -> Answer {
        var request = HTTPClientRequest(url: fcm.tokenURL)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"))
        return try await send(request, client: client)
    }

    private func send(to fcm: FCMStandIn, accessToken: String, client: HTTPClient) async throws -> Answer {
        var request = HTTPClientRequest(url: "\(fcm.baseURL)/v1/projects/example-project/messages:send")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(accessToken)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(
                string: #"{"message":{"token":"fcm-token-1","notification":{"title":"Ada","body":"hi"},"#
                    + #""android":{"priority":"high","notification":{"tag":"c1","notification_count":2}},"data":{"pushId":"p1"}}}"#))
        return try await send(request, client: client)
    }

    // MARK: - Shared helpers

    private func send(_ request: HTTPClientRequest, client: HTTPClient) async throws -> Answer {
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        return Answer(
            status: response.status.code, version: response.version, headers: response.headers,
            json: try? JSONParser.parse(Array(body.readableBytesView)))
    }

    /// A client that trusts only `rootPEM` (nil: no CA at all, for plain HTTP).
    private func withClient(trusting rootPEM: String?, _ body: (HTTPClient) async throws -> Void) async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try rootPEM.map { try NIOSSLCertificate.fromPEMBytes(Array($0.utf8)) } ?? [])
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
