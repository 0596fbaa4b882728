import Crypto
@testable import Delivery
import Foundation
import ProviderStandIns
import PushCompose
import XCTest

/// The APNs provider and the workers against the local APNs stand-in: TLS with a test
/// certificate authority, HTTP/2, every provider token verified against the test's key.
final class APNsDeliveryTests: XCTestCase {
    static let keyId = "KEY4567890"
    static let teamId = "TEAM456789"
    static let topic = "com.example.chat"

    /// A hex token per name, as APNs tokens are.
    static func token(_ name: String) -> String {
        SHA256.hash(data: Data(name.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func device(_ name: String, environment: APNsEnvironment = .production, topic: String? = nil) -> DeviceAddress {
        DeviceAddress(provider: .apns, token: token(name), platform: "ios", apnsEnvironment: environment, topic: topic)
    }

    /// A stand-in, and a provider whose production and sandbox endpoints are stand-ins.
    struct Setup {
        let production: APNsStandIn
        let sandbox: APNsStandIn
        let provider: APNsProvider
    }

    private func setup(_ harness: DeliveryHarness, timeout: Duration = .seconds(30)) async throws -> Setup {
        let authority = try TestCertificateAuthority.make()
        let key = P256.Signing.PrivateKey()
        func start() async throws -> APNsStandIn {
            let standIn = try await APNsStandIn.start(authority: authority, keyId: Self.keyId, teamId: Self.teamId, publicKey: key.publicKey, topic: nil)
            addTeardownBlock { try? await standIn.shutdown() }
            return standIn
        }
        let production = try await start()
        let sandbox = try await start()
        let credentials = try APNsCredentials(keyId: Self.keyId, teamId: Self.teamId, privateKeyPEM: key.pemRepresentation)
        let provider = try APNsProvider(
            configuration: .init(
                credentials: credentials, topic: Self.topic, productionURL: production.baseURL, sandboxURL: sandbox.baseURL, timeout: timeout,
                trustRootsPEM: authority.rootPEM),
            client: harness.client, storeFor: .seconds(86_400), clock: harness.clock)
        return Setup(production: production, sandbox: sandbox, provider: provider)
    }

    func testPushesAreDeliveredOverHTTP2WithOneSharedProviderToken() async throws {
        let harness = try await DeliveryHarness.make(self)
        let apns = try await setup(harness)
        let receivers = ["Jerry", "Spike", "Tyke", "Tom"]
        let enqueued = try await harness.withWorkers([apns.provider]) {
            var enqueued: [EnqueuedPush] = []
            for receiver in receivers.dropLast() { enqueued.append(try await harness.push(to: receiver, device: Self.device(receiver))) }
            enqueued.append(try await harness.push(to: "Tom", device: Self.device("Tom", environment: .sandbox, topic: "com.example.chat.beta")))
            await harness.events.wait(for: receivers.count) { $0.isDelivered }
            return enqueued
        }
        XCTAssertEqual(apns.production.received.count, 3)
        XCTAssertEqual(apns.sandbox.received.count, 1, "a sandbox device goes to the sandbox endpoint")
        let all = apns.production.received + apns.sandbox.received
        XCTAssertEqual(all.flatMap(\.problems), [])
        XCTAssertEqual(Set(all.compactMap(\.jwt)).count, 1, "one provider token for every request")
        for push in enqueued {
            let request = try XCTUnwrap(all.first { $0.headers["apns-id"] == push.pushId })
            XCTAssertEqual(request.json?["aps"]?["badge"], .number(1))
            XCTAssertEqual(request.json?["aps"]?["alert"], .string("Tom: hi"))
            XCTAssertEqual(request.json?["aps"]?["thread-id"], .string("conv-1"))
            XCTAssertEqual(request.json?["pushId"], .string(push.pushId))
            XCTAssertEqual(request.headers["apns-push-type"], "alert")
            XCTAssertEqual(request.headers["apns-priority"], "10")
            XCTAssertEqual(request.deviceToken, Self.token(push.receiver))
            XCTAssertEqual(request.headers["apns-topic"], push.receiver == "Tom" ? "com.example.chat.beta" : Self.topic)
        }
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.apns), .init(delivered: receivers.count))
    }

    func testADeadTokenRemovesTheDevice() async throws {
        let harness = try await DeliveryHarness.make(self)
        let apns = try await setup(harness)
        apns.production.script(token: Self.token("Spike"), [.error(status: 410, reason: "Unregistered")])
        apns.production.script(token: Self.token("Tyke"), [.error(status: 400, reason: "BadDeviceToken")])
        try await harness.withWorkers([apns.provider]) {
            try await harness.push(to: "Spike", device: Self.device("Spike"))
            try await harness.push(to: "Tyke", device: Self.device("Tyke"))
            await harness.events.wait(for: 2) { $0.isDeviceRemoved }
        }
        let spike = try await harness.devices.devices(of: "Spike")
        let tyke = try await harness.devices.devices(of: "Tyke")
        XCTAssertEqual(spike, [])
        XCTAssertEqual(tyke, [])
        let reasons = Set(harness.events.events.compactMap { event -> String? in
            if case .deviceRemoved(let reason) = event.kind { return reason } else { return nil }
        })
        XCTAssertEqual(reasons, ["APNs 410 Unregistered", "APNs 400 BadDeviceToken"])
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.apns), .init(deviceGone: 2))
    }

    func test429WithRetryAfterIsNotRetriedBeforeIt() async throws {
        let harness = try await DeliveryHarness.make(self)
        let apns = try await setup(harness)
        apns.production.scriptAll([.error(status: 429, reason: "TooManyRequests", retryAfter: "120")])
        try await harness.withWorkers([apns.provider]) {
            try await harness.push(to: "Tyke", device: Self.device("Tyke"))
            await harness.events.wait { $0.isRetry }
            let attempt = try XCTUnwrap(harness.events.events.compactMap(\.kind.attempt).first)
            XCTAssertEqual(attempt.outcome, .retry(status: 429, reason: "APNs 429 TooManyRequests", retryAfter: .seconds(120)))
            let nextAttempt = try XCTUnwrap(attempt.nextAttemptAt)
            XCTAssertGreaterThanOrEqual(nextAttempt, harness.clock.now().addingTimeInterval(118))
            harness.clock.advance(by: .seconds(121))
            harness.signal.notifyAll()
            await harness.events.wait { $0.isDelivered }
        }
        XCTAssertEqual(apns.production.received.count, 2)
    }

    func testAnOutageThenRecoveryDeliversEverything() async throws {
        let harness = try await DeliveryHarness.make(self)
        let apns = try await setup(harness)
        apns.production.scriptAll(Array(repeating: .error(status: 503, reason: "ServiceUnavailable"), count: 10))
        let receivers = (0..<6).map { "r\($0)" }
        for receiver in receivers { try await harness.push(to: receiver, device: Self.device(receiver)) }
        var patient = WorkerSettings.fastForTests
        patient.retry.maxAttempts = 20
        let settings = patient
        try await harness.withWorkers([apns.provider], settings: settings) {
            await harness.events.wait(for: receivers.count) { $0.isDelivered }
        }
        XCTAssertEqual(harness.events.count { $0.isRetry }, 10)
        XCTAssertEqual(apns.production.received.flatMap(\.problems), [])
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.apns), .init(delivered: receivers.count))
    }

    func testAnExpiredProviderTokenIsRenewedAndThePushSentAgainInTheSameAttempt() async throws {
        let harness = try await DeliveryHarness.make(self)
        let apns = try await setup(harness)
        try await harness.withWorkers([apns.provider]) {
            try await harness.push(to: "Jerry", device: Self.device("Jerry"))
            await harness.events.wait { $0.isDelivered }
            let first = try XCTUnwrap(apns.production.received.first?.jwtIssuedAt)
            // APNs starts refusing the token in use; the next token is made later.
            apns.production.expireTokens(issuedBefore: first.addingTimeInterval(1))
            harness.clock.advance(by: .seconds(5))
            try await harness.push(to: "Spike", device: Self.device("Spike"))
            await harness.events.wait(for: 2) { $0.isDelivered }
        }
        let received = apns.production.received
        XCTAssertEqual(received.count, 3)
        XCTAssertEqual(received[1].problems, ["provider token issued before the expiry cutoff"])
        XCTAssertEqual(Set(received.compactMap(\.jwt)).count, 2, "one renewal")
        XCTAssertEqual(received[1].jwt, received[0].jwt)
        XCTAssertNotEqual(received[2].jwt, received[0].jwt)
        let attempts = harness.events.events.compactMap(\.kind.attempt)
        XCTAssertEqual(attempts.map(\.outcome), [.delivered(status: 200), .delivered(status: 200)], "the refusal is not an attempt of its own")
    }

    func testADroppedConnectionOrGOAWAYSendsThePushAgainOnANewConnection() async throws {
        let harness = try await DeliveryHarness.make(self)
        let apns = try await setup(harness)
        apns.production.script(token: Self.token("Jerry"), [.dropConnection])
        apns.production.script(token: Self.token("Spike"), [.goAway])
        try await harness.withWorkers([apns.provider]) {
            try await harness.push(to: "Jerry", device: Self.device("Jerry"))
            await harness.events.wait { $0.isDelivered }
            try await harness.push(to: "Spike", device: Self.device("Spike"))
            await harness.events.wait(for: 2) { $0.isDelivered }
        }
        XCTAssertEqual(apns.production.received.map(\.deviceToken), [Self.token("Jerry"), Self.token("Jerry"), Self.token("Spike"), Self.token("Spike")])
        XCTAssertGreaterThanOrEqual(apns.production.connectionsAccepted, 3, "each loss is followed by a new connection")
        let attempts = harness.events.events.compactMap(\.kind.attempt)
        XCTAssertEqual(attempts.map(\.outcome), [.delivered(status: 200), .delivered(status: 200)])
    }

    func testAHangTimesOutAndIsRetried() async throws {
        let harness = try await DeliveryHarness.make(self)
        let apns = try await setup(harness, timeout: .milliseconds(300))
        apns.production.scriptAll([.hang])
        try await harness.withWorkers([apns.provider]) {
            try await harness.push(to: "Jerry", device: Self.device("Jerry"))
            await harness.events.wait { $0.isDelivered }
        }
        apns.production.releaseHung()
        // In either order: a retried job is claimed again as soon as it is back in the queue.
        let outcomes = harness.events.events.compactMap(\.kind.attempt).map(\.outcome)
        XCTAssertEqual(outcomes.count, 2)
        XCTAssertTrue(outcomes.contains(.retry(status: nil, reason: "timeout", retryAfter: nil)), "\(outcomes)")
        XCTAssertTrue(outcomes.contains(.delivered(status: 200)), "\(outcomes)")
    }

    func testARefusedPushIsDeadWithAPNsReasonAndADisabledEnvironmentIsNamed() async throws {
        let harness = try await DeliveryHarness.make(self)
        let apns = try await setup(harness)
        apns.production.scriptAll([.error(status: 400, reason: "BadTopic")])
        var configuration = apns.provider.configuration
        configuration.environments = [.production]
        let productionOnly = try APNsProvider(configuration: configuration, client: harness.client, storeFor: .seconds(60), clock: harness.clock)
        try await harness.withWorkers([productionOnly]) {
            try await harness.push(to: "Jerry", device: Self.device("Jerry"))
            try await harness.push(to: "Tom", device: Self.device("Tom", environment: .sandbox))
            await harness.events.wait(for: 2) { $0.isDead }
        }
        let dead = try await harness.queue.jobs(matching: JobFilter(state: .dead), afterId: nil, limit: 10)
        XCTAssertEqual(Set(dead.compactMap(\.lastReason)), ["APNs 400 BadTopic", "APNs environment sandbox is not enabled (apnsEnvironments)"])
        XCTAssertEqual(apns.sandbox.received.count, 0)
    }

    func testABackgroundPushGoesAtPriorityFive() async throws {
        let harness = try await DeliveryHarness.make(self)
        let apns = try await setup(harness)
        try await harness.withWorkers([apns.provider]) {
            _ = try await harness.devices.register(DeviceRegistration(clientId: "Jerry", address: Self.device("Jerry")), now: harness.clock.now())
            let push = makePush(receiver: "Jerry", devices: [Self.device("Jerry")], incrementsBadge: false, payload: .object([("content-available", .number(1)), ("sync", .string("inbox"))]))
            _ = try await harness.enqueuer.enqueue([push])
            await harness.events.wait { $0.isDelivered }
        }
        let request = try XCTUnwrap(apns.production.received.first)
        XCTAssertEqual(request.problems, [])
        XCTAssertEqual(request.headers["apns-push-type"], "background")
        XCTAssertEqual(request.headers["apns-priority"], "5")
        XCTAssertEqual(request.json?["sync"], .string("inbox"))
    }
}
