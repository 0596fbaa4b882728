import AsyncHTTPClient
import Crypto
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
        try await apns.shutdown()
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

    // MARK: - Shared helpers

    private func send(_ request: HTTPClientRequest, client: HTTPClient) async throws -> Answer {
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 16)
        return Answer(
            status: response.status.code, version: response.version, headers: response.headers,
            json: try? JSONParser.parse(Array(body.readableBytesView)))
    }

    private func withClient(trusting rootPEM: String, _ body: (HTTPClient) async throws -> Void) async throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(rootPEM.utf8)))
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
