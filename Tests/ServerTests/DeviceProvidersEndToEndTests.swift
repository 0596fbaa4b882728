import Crypto
import _CryptoExtras
import Delivery
import Foundation
import ProviderStandIns
@testable import Server
import XCTest

/// The server with APNs and FCM configured as a user configures them (key files,
/// environment-style settings), against the local stand-ins: devices registered through
/// the admin API, a group message that mentions one of three receivers.
final class DeviceProvidersEndToEndTests: XCTestCase {
    static let keyId = "KEY4567890"
    static let teamId = "TEAM456789"
    static let topic = "com.example.chat"
    static let projectId = "chat-app-test"
    static let clientEmail = "pushcompose@chat-app-test.iam.gserviceaccount.com"

    struct StandIns {
        let apns: APNsStandIn
        let fcm: FCMStandIn
        let configuration: ServerConfiguration
    }

    private func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func standIns() async throws -> StandIns {
        let authority = try TestCertificateAuthority.make()
        let apnsKey = P256.Signing.PrivateKey()
        let apns = try await APNsStandIn.start(authority: authority, keyId: Self.keyId, teamId: Self.teamId, publicKey: apnsKey.publicKey, topic: Self.topic)
        addTeardownBlock { try? await apns.shutdown() }
        let fcmKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let fcm = try await FCMStandIn.start(projectId: Self.projectId, clientEmail: Self.clientEmail, publicKey: fcmKey.publicKey)
        addTeardownBlock { try? await fcm.shutdown() }

        let secrets = try makeTemporaryDirectory()
        var configuration = try makeConfiguration(adminToken: TestSecrets.adminToken)
        try configuration.delivery.apply([
            "apnsKeyFile": try write(apnsKey.pemRepresentation, "AuthKey_\(Self.keyId).p8", in: secrets),
            "apnsKeyId": Self.keyId, "apnsTeamId": Self.teamId, "apnsTopic": Self.topic,
            "apnsProductionURL": apns.baseURL, "apnsSandboxURL": apns.baseURL,
            "apnsCACertificateFile": try write(authority.rootPEM, "stand-in-ca.pem", in: secrets),
            "fcmServiceAccountFile": try write(fcm.serviceAccountJSON(privateKeyPEM: fcmKey.pkcs8PEMRepresentation), "service-account.json", in: secrets),
            "fcmBaseURL": fcm.baseURL,
            "retryBaseMillis": "20", "retryMaxDelaySeconds": "1",
        ])
        return StandIns(apns: apns, fcm: fcm, configuration: configuration)
    }

    private static func apnsToken(_ name: String) -> String {
        SHA256.hash(data: Data(name.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private static func register(_ server: TestServer, _ client: String, _ body: [String: Any]) async throws {
        let response = try await server.admin(.post, "/v1/clients/\(client)/devices", json: body)
        XCTAssertEqual(response.status, .created, response.text)
    }

    private static func devices(_ server: TestServer, _ client: String) async throws -> [JSON] {
        let response = try await server.admin(.get, "/v1/clients/\(client)/devices")
        return try XCTUnwrap(try response.json["devices"]?.arrayValue, response.text)
    }

    func testAMentionGoesThroughAPNsAndFCMAndADeadTokenIsRemovedAfterOnePush() async throws {
        let standIns = try await standIns()
        try await withServer(standIns.configuration) { server in
            // iOS: three receivers with APNs devices; Tyke is mentioned.
            for name in ["Jerry", "Spike", "Tyke"] {
                try await Self.register(server, name, ["provider": "apns", "token": Self.apnsToken(name), "platform": "ios", "environment": "production"])
            }
            let ios = try await server.receiversOffline(
                HookBody.receiversOffline(conversation: "group-ios", to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("Lunch?"), mentioned: ["Tyke"]))
            XCTAssertEqual(ios["offlinePeers"]?.stringArray, ["Jerry", "Spike"])
            let iosRecord = try await server.lastHookRecord()
            let iosPush = try XCTUnwrap(iosRecord["custom"]?.arrayValue?.first?["push"]?.stringValue)
            let arrived = await standIns.apns.waitForRequests(1)
            XCTAssertTrue(arrived)
            let request = try XCTUnwrap(standIns.apns.received.first)
            XCTAssertEqual(request.problems, [])
            XCTAssertEqual(request.deviceToken, Self.apnsToken("Tyke"))
            XCTAssertEqual(request.headers["apns-id"], iosPush)
            XCTAssertEqual(request.json?["aps"]?["alert"], .string("Tom mentioned you: Lunch?"))
            XCTAssertEqual(request.json?["aps"]?["badge"], .number(1))
            XCTAssertEqual(request.json?["aps"]?["thread-id"], .string("group-ios"))

            // Android: the same through FCM.
            for name in ["Butch", "Toodles", "Nibbles"] {
                try await Self.register(server, name, ["provider": "fcm", "token": "fcm-\(name)", "platform": "android"])
            }
            let android = try await server.receiversOffline(
                HookBody.receiversOffline(conversation: "group-android", to: ["Butch", "Toodles", "Nibbles"], content: HookBody.text("Dinner?"), mentioned: ["Nibbles"]))
            XCTAssertEqual(android["offlinePeers"]?.stringArray, ["Butch", "Toodles"])
            let androidRecord = try await server.lastHookRecord()
            let androidPush = try XCTUnwrap(androidRecord["custom"]?.arrayValue?.first?["push"]?.stringValue)
            let sent = await standIns.fcm.waitForRequests(1)
            XCTAssertTrue(sent)
            let message = try XCTUnwrap(standIns.fcm.received.first)
            XCTAssertEqual(message.problems, [])
            XCTAssertEqual(message.json?["message"]?["token"], .string("fcm-Nibbles"))
            XCTAssertEqual(message.json?["message"]?["notification"]?["body"], .string("Tom mentioned you: Dinner?"))
            XCTAssertEqual(message.json?["message"]?["android"]?["notification"]?["notification_count"], .number(1))
            XCTAssertEqual(message.json?["message"]?["data"]?["pushId"], .string(androidPush))

            // A dead token: APNs says Unregistered once, and the device is gone.
            standIns.apns.script(token: Self.apnsToken("Tyke"), [.error(status: 410, reason: "Unregistered")])
            _ = try await server.receiversOffline(
                HookBody.receiversOffline(conversation: "group-ios", to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("Still on?"), mentioned: ["Tyke"]))
            try await eventually("Tyke's device is removed") { try await Self.devices(server, "Tyke").isEmpty }
            // The worker removes the device, then finishes the job: wait for both.
            try await eventually("the job is finished") { try await server.queueStats().counts(.apns).leased == 0 }
            XCTAssertEqual(standIns.apns.received.count, 2, "one push found the token dead")
            let stats = try await server.queueStats()
            XCTAssertEqual(stats.counts(.apns), .init(delivered: 1, deviceGone: 1))
            XCTAssertEqual(stats.counts(.fcm), .init(delivered: 1))
            let removed = try await server.deliveryRecords().filter { $0["kind"] == .string("deviceRemoved") }
            XCTAssertEqual(removed.count, 1)
            XCTAssertEqual(removed.first?["reason"], .string("APNs 410 Unregistered"))
        }
    }

    /// `POST /v1/render` shows, for a custom-channel receiver, what each device's provider
    /// would be sent (APNs: URL, headers, body; FCM: URL and message) with the badge the
    /// push would carry; nothing is queued or counted, and the push that is then sent
    /// carries the same body.
    func testThePreviewShowsWhatEachProviderWouldBeSent() async throws {
        let standIns = try await standIns()
        try await withServer(standIns.configuration) { server in try await Self.previewThenSend(server, standIns) }
    }

    private static func previewThenSend(_ server: TestServer, _ standIns: StandIns) async throws {
        try await Self.register(server, "Tyke", ["provider": "apns", "token": Self.apnsToken("Tyke"), "platform": "ios", "environment": "production"])
        try await Self.register(server, "Tyke", ["provider": "fcm", "token": "fcm-Tyke", "platform": "android"])
        let hook = HookBody.receiversOffline(conversation: "group-ios", to: ["Jerry", "Tyke"], content: HookBody.text("Lunch?"), mentioned: ["Tyke"])
        let preview = try await server.admin(.post, "/v1/render", json: hook).json
        let receivers = try XCTUnwrap(preview["receivers"]?.arrayValue)
        let jerry = try XCTUnwrap(receivers.first { $0["receiver"] == .string("Jerry") })
        XCTAssertEqual(jerry["channel"], .array([]), "the answer's receivers have no channel of their own")
        let tyke = try XCTUnwrap(receivers.first { $0["receiver"] == .string("Tyke") })
        XCTAssertEqual(tyke["route"], .string("custom"))
        let channel = try XCTUnwrap(tyke["channel"]?.arrayValue)
        XCTAssertEqual(channel.map { $0["provider"]?.stringValue ?? "" }.sorted(), ["apns", "fcm"])
        let apns = try XCTUnwrap(channel.first { $0["provider"] == .string("apns") }?["request"])
        XCTAssertEqual(apns["url"], .string(standIns.apns.baseURL + "/3/device/" + Self.apnsToken("Tyke")))
        XCTAssertEqual(apns["headers"]?["apns-topic"], .string(Self.topic))
        XCTAssertEqual(apns["headers"]?["apns-push-type"], .string("alert"))
        XCTAssertNil(apns["headers"]?["authorization"], "no credential is shown")
        XCTAssertEqual(apns["body"]?["aps"]?["alert"], .string("Tom mentioned you: Lunch?"))
        XCTAssertEqual(apns["body"]?["aps"]?["badge"], .number(1))
        let fcm = try XCTUnwrap(channel.first { $0["provider"] == .string("fcm") }?["request"])
        XCTAssertEqual(fcm["body"]?["message"]?["token"], .string("fcm-Tyke"))
        XCTAssertEqual(fcm["body"]?["message"]?["notification"]?["body"], .string("Tom mentioned you: Lunch?"))
        XCTAssertEqual(fcm["body"]?["message"]?["android"]?["notification"]?["notification_count"], .number(1))
        let queued = try await server.queueStats()
        XCTAssertEqual(queued.counts(.apns), .init(), "a preview queues nothing")

        // Sent for real, the push carries what the preview showed (its own push id aside).
        _ = try await server.receiversOffline(hook)
        let arrived = await standIns.apns.waitForRequests(1)
        XCTAssertTrue(arrived)
        let sent = try XCTUnwrap(standIns.apns.received.first)
        XCTAssertEqual(sent.json?["aps"]?["alert"], .string("Tom mentioned you: Lunch?"))
        XCTAssertEqual(sent.json?["aps"]?["badge"], .number(1), "the badge the preview showed")
        XCTAssertEqual(sent.headers["apns-topic"], Self.topic)
    }
}
