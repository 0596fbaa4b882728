import Crypto
import _CryptoExtras
@testable import Delivery
import Foundation
import ProviderStandIns
import PushCompose
import XCTest

/// The FCM provider and the workers against the local FCM stand-in: the service
/// account's assertion verified at the token endpoint, every send's access token checked.
final class FCMDeliveryTests: XCTestCase {
    static let projectId = "chat-app-test"
    static let clientEmail = "pushcompose@chat-app-test.iam.gserviceaccount.com"
    /// One RSA key for the whole class: making one takes a while.
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func device(_ name: String, platform: String = "android") -> DeviceAddress {
        DeviceAddress(provider: .fcm, token: "fcm-\(name)-token", platform: platform)
    }

    struct Setup {
        let fcm: FCMStandIn
        let provider: FCMProvider
    }

    private func setup(_ harness: DeliveryHarness, timeout: Duration = .seconds(30), lifetime: Duration = .seconds(3599)) async throws -> Setup {
        let fcm = try await FCMStandIn.start(projectId: Self.projectId, clientEmail: Self.clientEmail, publicKey: Self.key.publicKey, accessTokenLifetime: lifetime)
        addTeardownBlock { try? await fcm.shutdown() }
        let account = try FCMServiceAccount(json: Array(fcm.serviceAccountJSON(privateKeyPEM: Self.key.pkcs8PEMRepresentation).utf8))
        let provider = try FCMProvider(configuration: .init(serviceAccount: account, baseURL: fcm.baseURL, timeout: timeout), client: harness.client, clock: harness.clock)
        return Setup(fcm: fcm, provider: provider)
    }

    func testPushesAreDeliveredWithOneAccessToken() async throws {
        let harness = try await DeliveryHarness.make(self)
        let setup = try await setup(harness)
        let enqueued = try await harness.withWorkers([setup.provider]) {
            let jerry = try await harness.push(to: "Jerry", device: Self.device("Jerry"))
            let spike = try await harness.push(to: "Spike", device: Self.device("Spike", platform: "ios"))
            await harness.events.wait(for: 2) { $0.isDelivered }
            return [jerry, spike]
        }
        let received = setup.fcm.received
        XCTAssertEqual(received.flatMap(\.problems), [])
        XCTAssertEqual(setup.fcm.tokenRequests, 1, "one access token for every send")
        XCTAssertEqual(Set(received.compactMap(\.accessToken)).count, 1)
        XCTAssertEqual(received.map(\.path), Array(repeating: "/v1/projects/\(Self.projectId)/messages:send", count: 2))
        let jerry = try XCTUnwrap(received.first { $0.json?["message"]?["token"] == .string("fcm-Jerry-token") }?.json?["message"])
        XCTAssertEqual(jerry["notification"]?["body"], .string("Tom: hi"))
        XCTAssertEqual(jerry["android"]?["notification"]?["notification_count"], .number(1))
        XCTAssertEqual(jerry["data"]?["pushId"], .string(enqueued[0].pushId))
        XCTAssertNil(jerry["apns"])
        let spike = try XCTUnwrap(received.first { $0.json?["message"]?["token"] == .string("fcm-Spike-token") }?.json?["message"])
        XCTAssertEqual(spike["apns"]?["payload"]?["aps"]?["badge"], .number(1), "an iOS token registered through FCM gets an apns block")
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.fcm), .init(delivered: 2))
    }

    func testAnUnregisteredOrInvalidTokenRemovesTheDevice() async throws {
        let harness = try await DeliveryHarness.make(self)
        let setup = try await setup(harness)
        setup.fcm.script(token: "fcm-Spike-token", [.error(status: 404, grpcStatus: "NOT_FOUND", fcmErrorCode: "UNREGISTERED")])
        try await harness.withWorkers([setup.provider]) {
            try await harness.push(to: "Spike", device: Self.device("Spike"))
            await harness.events.wait { $0.isDeviceRemoved }
        }
        let left = try await harness.devices.devices(of: "Spike")
        XCTAssertEqual(left, [])
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.fcm), .init(deviceGone: 1))
    }

    func testQuotaExceededWaitsForRetryAfterAndAnOutageRecovers() async throws {
        let harness = try await DeliveryHarness.make(self)
        let setup = try await setup(harness)
        setup.fcm.script(token: "fcm-Tyke-token", [.error(status: 429, grpcStatus: "RESOURCE_EXHAUSTED", fcmErrorCode: "QUOTA_EXCEEDED", retryAfter: "60")])
        setup.fcm.script(token: "fcm-Jerry-token", [
            .error(status: 503, grpcStatus: "UNAVAILABLE", fcmErrorCode: "UNAVAILABLE"), .error(status: 500, grpcStatus: "INTERNAL", fcmErrorCode: "INTERNAL"),
        ])
        try await harness.withWorkers([setup.provider]) {
            try await harness.push(to: "Jerry", device: Self.device("Jerry"))
            await harness.events.wait { $0.isDelivered }
            try await harness.push(to: "Tyke", device: Self.device("Tyke"))
            await harness.events.wait { $0.isRetry && $0.attempt?.outcome.status == 429 }
            let attempt = try XCTUnwrap(harness.events.events.compactMap(\.kind.attempt).last)
            XCTAssertEqual(attempt.outcome.status, 429)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(attempt.nextAttemptAt), harness.clock.now().addingTimeInterval(58))
            harness.clock.advance(by: .seconds(61))
            harness.signal.notifyAll()
            await harness.events.wait(for: 2) { $0.isDelivered }
        }
        // Per job in order; an attempt's event may follow the next attempt's (a retried
        // job is claimed again as soon as it is back in the queue).
        let outcomes = harness.events.events.compactMap(\.kind.attempt).map { $0.outcome.status ?? 0 }
        XCTAssertEqual(outcomes.sorted(), [200, 200, 429, 500, 503])
    }

    func testARevokedAccessTokenIsRenewedOnceInTheSameAttempt() async throws {
        let harness = try await DeliveryHarness.make(self)
        let setup = try await setup(harness)
        try await harness.withWorkers([setup.provider]) {
            try await harness.push(to: "Jerry", device: Self.device("Jerry"))
            await harness.events.wait { $0.isDelivered }
            setup.fcm.revokeAccessTokens()
            try await harness.push(to: "Spike", device: Self.device("Spike"))
            await harness.events.wait(for: 2) { $0.isDelivered }
        }
        XCTAssertEqual(setup.fcm.tokenRequests, 2)
        let received = setup.fcm.received
        XCTAssertEqual(received.count, 3)
        XCTAssertEqual(received[1].accessToken, received[0].accessToken)
        XCTAssertNotEqual(received[2].accessToken, received[0].accessToken)
        let attempts = harness.events.events.compactMap(\.kind.attempt)
        XCTAssertEqual(attempts.map(\.outcome), [.delivered(status: 200), .delivered(status: 200)])
    }

    func testAnAccessTokenIsRenewedBeforeItExpires() async throws {
        let harness = try await DeliveryHarness.make(self)
        // 400 s: renewed 200 s before its end (half its life; five minutes for longer
        // ones), and a clock 201 s ahead is within what the token endpoint tolerates.
        let setup = try await setup(harness, lifetime: .seconds(400))
        try await harness.withWorkers([setup.provider]) {
            try await harness.push(to: "Jerry", device: Self.device("Jerry"))
            await harness.events.wait { $0.isDelivered }
            harness.clock.advance(by: .seconds(201))
            try await harness.push(to: "Spike", device: Self.device("Spike"))
            await harness.events.wait(for: 2) { $0.isDelivered }
        }
        XCTAssertEqual(setup.fcm.tokenRequests, 2)
        XCTAssertEqual(setup.fcm.received.count, 2, "no send was refused")
    }

    func testRefusalsForGoodAreDeadAndADroppedConnectionOrAHangIsRetried() async throws {
        let harness = try await DeliveryHarness.make(self)
        let setup = try await setup(harness, timeout: .milliseconds(500))
        setup.fcm.script(token: "fcm-Jerry-token", [.error(status: 403, grpcStatus: "PERMISSION_DENIED", fcmErrorCode: "SENDER_ID_MISMATCH")])
        setup.fcm.script(token: "fcm-Spike-token", [.dropConnection])
        setup.fcm.script(token: "fcm-Tyke-token", [.hang])
        try await harness.withWorkers([setup.provider]) {
            try await harness.push(to: "Jerry", device: Self.device("Jerry"))
            try await harness.push(to: "Spike", device: Self.device("Spike"))
            try await harness.push(to: "Tyke", device: Self.device("Tyke"))
            await harness.events.wait { $0.isDead }
            await harness.events.wait(for: 2) { $0.isDelivered }
        }
        setup.fcm.releaseHung()
        let dead = try await harness.queue.jobs(matching: JobFilter(state: .dead), afterId: nil, limit: 10)
        XCTAssertEqual(dead.count, 1)
        XCTAssertTrue(dead[0].lastReason?.hasPrefix("FCM 403 SENDER_ID_MISMATCH") == true, "\(dead[0].lastReason ?? "")")
        let devices = try await harness.devices.devices(of: "Jerry")
        XCTAssertEqual(devices.count, 1, "a refusal for good keeps the device")
        let retries = harness.events.events.compactMap(\.kind.attempt).filter { if case .retry = $0.outcome { true } else { false } }
        XCTAssertEqual(retries.count, 2)
        XCTAssertTrue(retries.contains { $0.outcome.reason == "timeout" })
    }
}
