@testable import Delivery
import Foundation
import PushCompose
import XCTest

/// The platform push provider against a local stand-in of the push REST API that
/// checks the master-key headers and the body.
final class PlatformPushDeliveryTests: XCTestCase {
    func testAPushGoesWithTheMasterKeyAndTheReceiversWhere() async throws {
        let harness = try await DeliveryHarness.make(self)
        let api = EndpointChecks.platform(clock: harness.clock, expectProd: "dev")
        api.script([.status(200, body: #"{"objectId":"p-1","createdAt":"2024-01-01T00:00:00.000Z"}"#)])
        try await api.serve { base in
            let whereTemplate = try WhereTemplate(json: #"{"clientId":"{{receiver}}","installationId":"{{token}}"}"#)
            let provider = try harness.platform(base, production: false, whereTemplate: whereTemplate)
            try await harness.withWorkers([provider]) {
                let enqueued = try await harness.push(to: "Jerry", device: DeviceAddress(provider: .platform, token: "inst-1"))
                await harness.events.wait { $0.isDelivered }
                let request = try XCTUnwrap(api.received.first)
                XCTAssertEqual(request.problems, [])
                XCTAssertEqual(
                    request.json,
                    .object([
                        ("data", .object([("alert", .string("Tom: hi")), ("badge", .number(1)), ("pushId", .string(enqueued.pushId))])),
                        ("prod", .string("dev")),
                        ("where", .object([("clientId", .string("Jerry")), ("installationId", .string("inst-1"))])),
                    ]))
            }
        }
    }

    func testAWrongMasterKeyIsDeadWithThePlatformsAnswer() async throws {
        let harness = try await DeliveryHarness.make(self)
        let api = EndpointChecks.platform(clock: harness.clock)
        try await api.serve { base in
            let provider = try PlatformPushProvider(
                configuration: .init(server: base, appId: EndpointChecks.appId, masterKey: "wrong"), client: harness.client, clock: harness.clock)
            try await harness.withWorkers([provider]) {
                try await harness.push(to: "Jerry", device: DeviceAddress(provider: .platform, token: "inst-1"))
                await harness.events.wait { $0.isDead }
            }
        }
        let reasons = harness.events.events.compactMap { event -> String? in
            if case .dead(let reason) = event.kind { return reason } else { return nil }
        }
        XCTAssertEqual(reasons, ["HTTP 401: X-LC-Key is not the master key"])
    }

    func testAnAnswerThatIsNotThePlatformsIsRetried() async throws {
        let harness = try await DeliveryHarness.make(self)
        let api = EndpointChecks.platform(clock: harness.clock)
        api.script([.status(200, body: "<html>proxy error</html>"), .status(503, body: #"{"code":1,"error":"busy"}"#)])
        try await api.serve { base in
            try await harness.withWorkers([try harness.platform(base)]) {
                try await harness.push(to: "Jerry", device: DeviceAddress(provider: .platform, token: "inst-1"))
                await harness.events.wait { $0.isDelivered }
            }
        }
        let outcomes = harness.events.events.compactMap(\.kind.attempt).map(\.outcome)
        XCTAssertEqual(
            outcomes,
            [
                .retry(status: 200, reason: "malformed answer: HTTP 200: <html>proxy error</html>", retryAfter: nil),
                .retry(status: 503, reason: #"HTTP 503: {"code":1,"error":"busy"}"#, retryAfter: nil),
                .delivered(status: 200),
            ])
    }

    /// A provider that hangs holds its own slots only: the webhook's pushes go on.
    func testAStuckProviderDoesNotHoldTheOthers() async throws {
        let harness = try await DeliveryHarness.make(self)
        let api = EndpointChecks.platform(clock: harness.clock)
        api.script(Array(repeating: .hang, count: 50))
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        var twoPlatformSlots = WorkerSettings.fastForTests
        twoPlatformSlots.concurrencyByProvider = [.platform: 2]
        let settings = twoPlatformSlots
        try await api.serve { platformBase in
            try await endpoint.serve { webhookBase in
                let providers: [any PushProvider] = [try harness.platform(platformBase, timeout: .seconds(600)), try harness.webhook(webhookBase)]
                try await harness.withWorkers(providers, settings: settings) {
                    for index in 0..<4 { try await harness.push(to: "p\(index)", device: DeviceAddress(provider: .platform, token: "p\(index)")) }
                    await api.waitForRequests(2)
                    for index in 0..<6 { try await harness.push(to: "w\(index)", device: webhookDevice("w\(index)")) }
                    await harness.events.wait(for: 6) { $0.isDelivered }
                    XCTAssertEqual(api.received.count, 2, "the platform's two slots stay stuck")
                    api.releaseHung()
                    await harness.events.wait(for: 10) { $0.isDelivered }
                }
            }
        }
    }

    /// Jobs of a provider the configuration does not set up are dead-lettered, not left waiting.
    func testJobsOfAnUnconfiguredProviderAreDeadWithThatReason() async throws {
        let harness = try await DeliveryHarness.make(self)
        try await harness.withWorkers([]) {
            try await harness.push(to: "Jerry", device: DeviceAddress(provider: .fcm, token: "fcm-token"))
            await harness.events.wait { $0.isDead }
        }
        let dead = try await harness.queue.jobs(matching: JobFilter(state: .dead, provider: .fcm), afterId: nil, limit: 10)
        XCTAssertEqual(dead.map(\.lastReason), ["provider fcm is not configured"])
    }
}
