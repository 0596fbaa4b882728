@testable import Delivery
import Foundation
import PushCompose
import XCTest

/// The webhook provider and the workers against a local webhook receiver that checks
/// every signature.
final class WebhookDeliveryTests: XCTestCase {
    func testAPushIsDeliveredSignedWithANumericBadge() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        try await endpoint.serve { base in
            let provider = try harness.webhook(base)
            XCTAssertEqual(provider.payloadBudget, 4096 - ChannelPayload.badgeReserve)
            try await harness.withWorkers([provider]) {
                _ = try await harness.enqueuer.enqueue([makePush(receiver: "Jerry", devices: [webhookDevice("other")])])
                let enqueued = try await harness.push(to: "Jerry", device: DeviceAddress(provider: .webhook, token: "jerry-hook", platform: "web"))
                XCTAssertEqual(enqueued.badge, 2)
                await harness.events.wait(for: 2) { $0.isDelivered }
                let request = try XCTUnwrap(endpoint.received.first { $0.json?["pushId"]?.stringValue == enqueued.pushId })
                XCTAssertEqual(request.problems, [])
                let json = try XCTUnwrap(request.json)
                XCTAssertEqual(json["receiver"], .string("Jerry"))
                XCTAssertEqual(json["conversation"], .string("conv-1"))
                XCTAssertEqual(json["template"], .string("default"))
                XCTAssertEqual(json["hookCallId"], .string("call-1"))
                XCTAssertEqual(json["device"], .object([("token", .string("jerry-hook")), ("platform", .string("web"))]))
                XCTAssertEqual(json["attempt"], .number(1))
                XCTAssertEqual(json["payload"], .object([("alert", .string("Tom: hi")), ("badge", .number(2))]))
            }
        }
        XCTAssertTrue(endpoint.received.allSatisfy { $0.problems.isEmpty })
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.webhook), .init(delivered: 2))
        XCTAssertEqual(harness.events.count { $0.isQueued }, 2)
    }

    func test410RemovesTheDevice() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        endpoint.script([.status(410, body: "unsubscribed")])
        try await endpoint.serve { base in
            try await harness.withWorkers([try harness.webhook(base)]) {
                try await harness.push(to: "Spike", device: webhookDevice("spike-old"))
                await harness.events.wait { $0.isDeviceRemoved }
            }
        }
        let left = try await harness.devices.devices(of: "Spike")
        XCTAssertEqual(left, [])
        let reasons = harness.events.events.compactMap { event -> String? in
            if case .deviceRemoved(let reason) = event.kind { return reason } else { return nil }
        }
        XCTAssertEqual(reasons, ["HTTP 410: unsubscribed"])
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.webhook), .init(deviceGone: 1))
    }

    func test429WithRetryAfterIsNotRetriedBeforeIt() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        endpoint.script([.status(429, body: "slow down", retryAfter: "120")])
        try await endpoint.serve { base in
            try await harness.withWorkers([try harness.webhook(base)]) {
                let enqueued = try await harness.push(to: "Tyke", device: webhookDevice("tyke"))
                await harness.events.wait { $0.isRetry }
                let attempt = try XCTUnwrap(harness.events.events.compactMap(\.kind.attempt).first)
                XCTAssertEqual(attempt.outcome, .retry(status: 429, reason: "HTTP 429: slow down", retryAfter: .seconds(120)))
                let nextAttempt = try XCTUnwrap(attempt.nextAttemptAt)
                XCTAssertGreaterThanOrEqual(nextAttempt, endpoint.received[0].time.addingTimeInterval(119))
                let job = try await harness.queue.job(id: enqueued.jobIds[0])
                XCTAssertEqual(job?.state, .ready)
                // Time passes on the test clock; the woken worker sends the push.
                harness.clock.advance(by: .seconds(121))
                harness.signal.notifyAll()
                await harness.events.wait { $0.isDelivered }
                XCTAssertEqual(endpoint.received.count, 2)
                XCTAssertGreaterThanOrEqual(endpoint.received[1].time, nextAttempt)
                XCTAssertEqual(endpoint.received[1].json?["attempt"], .number(2))
            }
        }
    }

    func testAnOutageThenRecoveryDeliversEverything() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        endpoint.script(Array(repeating: .status(503, body: "maintenance"), count: 12))
        let receivers = (0..<8).map { "r\($0)" }
        // Queued before the workers start, so the outage is shared among them.
        for receiver in receivers { try await harness.push(to: receiver, device: webhookDevice(receiver)) }
        var patient = WorkerSettings.fastForTests
        patient.retry.maxAttempts = 20
        let settings = patient
        try await endpoint.serve { base in
            try await harness.withWorkers([try harness.webhook(base)], settings: settings) {
                await harness.events.wait(for: receivers.count) { $0.isDelivered }
            }
        }
        let delivered = Set(endpoint.received.suffix(receivers.count).compactMap { $0.json?["receiver"]?.stringValue })
        XCTAssertEqual(delivered, Set(receivers))
        XCTAssertEqual(harness.events.count { $0.isRetry }, 12)
        XCTAssertTrue(endpoint.received.allSatisfy { $0.problems.isEmpty })
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.webhook), .init(delivered: receivers.count))
    }

    func testAHangingEndpointTimesOutAndIsRetried() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        endpoint.script([.hang])
        try await endpoint.serve { base in
            try await harness.withWorkers([try harness.webhook(base, timeout: .milliseconds(300))]) {
                try await harness.push(to: "Jerry", device: webhookDevice("jerry"))
                await harness.events.wait { $0.isDelivered }
            }
        }
        let attempts = harness.events.events.compactMap(\.kind.attempt)
        XCTAssertEqual(attempts.map(\.outcome), [.retry(status: nil, reason: "timeout", retryAfter: nil), .delivered(status: 200)])
    }

    func testAMalformedAnswerIsRetriedThenDeadAfterMaxAttempts() async throws {
        let harness = try await DeliveryHarness.make(self)
        let server = try MalformedHTTPServer()
        defer { server.stop() }
        var fewAttempts = WorkerSettings.fastForTests
        fewAttempts.retry.maxAttempts = 3
        let settings = fewAttempts
        let provider = try harness.webhook("http://127.0.0.1:\(server.port)")
        let enqueued = try await harness.withWorkers([provider], settings: settings) {
            let enqueued = try await harness.push(to: "Jerry", device: webhookDevice("jerry"))
            await harness.events.wait { $0.isDead }
            return enqueued
        }
        let attempts = harness.events.events.compactMap(\.kind.attempt)
        XCTAssertEqual(attempts.map(\.number), [1, 2, 3])
        XCTAssertTrue(attempts.allSatisfy { if case .retry(nil, _, nil) = $0.outcome { return true } else { return false } }, "\(attempts)")
        let job = try await harness.queue.job(id: enqueued.jobIds[0])
        XCTAssertEqual(job?.state, .dead)
        XCTAssertEqual(job?.attempts, 3)
        let reason = try XCTUnwrap(job?.lastReason)
        XCTAssertTrue(reason.hasPrefix("gave up after 3 attempts: "), reason)
    }

    func testAnExpiredLeaseLetsAnotherClaimDeliverWhileAWorkerIsStuck() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        endpoint.script([.hang])
        var shortLease = WorkerSettings.fastForTests
        shortLease.leaseDuration = .seconds(30)
        let settings = shortLease
        try await endpoint.serve { base in
            try await harness.withWorkers([try harness.webhook(base, timeout: .seconds(600))], settings: settings) {
                let enqueued = try await harness.push(to: "Jerry", device: webhookDevice("jerry"))
                await endpoint.waitForRequests(1)
                // The first attempt is stuck; its lease runs out and the job is claimed again.
                harness.clock.advance(by: .seconds(31))
                harness.signal.notifyAll()
                await harness.events.wait { $0.isDelivered }
                XCTAssertEqual(endpoint.received.count, 2)
                XCTAssertEqual(endpoint.received[1].json?["pushId"], .string(enqueued.pushId))
                XCTAssertEqual(endpoint.received[1].json?["attempt"], .number(2))
                // The stuck attempt ends; its answer is not recorded over the delivery.
                endpoint.releaseHung()
                await harness.events.wait { $0.isLeaseLost }
            }
        }
        XCTAssertEqual(harness.events.count { $0.isDelivered }, 1)
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.webhook), .init(delivered: 1))
    }

    /// An answer larger than what is read of it (64 KiB) is still an answer: its status
    /// decides and its reason is its beginning.
    func testAnAnswerLargerThanWhatIsReadStillDecides() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        endpoint.script([.status(500, body: String(repeating: "x", count: 200_000))])
        try await endpoint.serve { base in
            try await harness.withWorkers([try harness.webhook(base)]) {
                try await harness.push(to: "Jerry", device: webhookDevice("jerry"))
                await harness.events.wait { $0.isDelivered }
            }
        }
        let attempts = harness.events.events.compactMap(\.kind.attempt).map(\.outcome)
        XCTAssertEqual(attempts.count, 2)
        guard case .retry(status: 500, let reason, retryAfter: nil) = attempts.first else {
            return XCTFail("\(attempts)")
        }
        XCTAssertEqual(reason, "HTTP 500: " + String(repeating: "x", count: HTTPAnswer.maxReasonBytes))
        XCTAssertEqual(attempts.last, .delivered(status: 200))
    }

    /// A redirect is an answer like any other refusal: the push is not sent where it
    /// points (a provider's address is configured, never learned from an answer).
    func testARedirectIsNotFollowedAndDeadLettersThePush() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        try await endpoint.serve { base in
            endpoint.script([.status(307, body: "moved", location: base + "/push")])
            try await harness.withWorkers([try harness.webhook(base)]) {
                let pushed = try await harness.push(to: "Jerry", device: webhookDevice("jerry"))
                await harness.events.wait { $0.isDead }
                let dead = try await harness.queue.jobs(matching: JobFilter(state: .dead), afterId: nil, limit: 10)
                XCTAssertEqual(dead.map(\.id), pushed.jobIds)
                XCTAssertEqual(dead.first?.lastStatus, 307)
                XCTAssertEqual(dead.first?.lastReason, "HTTP 307: moved")
            }
        }
        XCTAssertEqual(endpoint.received.count, 1, "the redirect was followed")
    }

    func testARefusedPushIsDeadWithTheAnswerThenRetriedAndPurged() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        endpoint.script([.status(400, body: #"{"error":"unknown receiver"}"#), .status(422, body: "no")])
        try await endpoint.serve { base in
            try await harness.withWorkers([try harness.webhook(base)]) {
                let first = try await harness.push(to: "Jerry", device: webhookDevice("jerry"))
                await harness.events.wait { $0.isDead }
                let second = try await harness.push(to: "Spike", device: webhookDevice("spike"))
                await harness.events.wait(for: 2) { $0.isDead }
                let dead = try await harness.queue.jobs(matching: JobFilter(state: .dead), afterId: nil, limit: 10)
                XCTAssertEqual(dead.map(\.id), [first.jobIds[0], second.jobIds[0]])
                XCTAssertEqual(dead.first?.lastStatus, 400)
                XCTAssertEqual(dead.first?.lastReason, #"HTTP 400: {"error":"unknown receiver"}"#)
                XCTAssertEqual(dead.first?.attempts, 1, "a refusal is not retried")

                let retried = try await harness.queue.retryDead(id: first.jobIds[0], now: harness.clock.now())
                XCTAssertTrue(retried)
                harness.signal.notify(.webhook)
                await harness.events.wait { $0.isDelivered }

                harness.clock.advance(by: .seconds(10))
                let purged = try await harness.queue.purgeDead(olderThan: harness.clock.now())
                XCTAssertEqual(purged, 1)
            }
        }
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.webhook), .init(delivered: 1))
    }

    func testGracefulShutdownGivesBackAnAttemptCutOffAtTheDeadline() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        endpoint.script([.hang])
        var shortDeadline = WorkerSettings.fastForTests
        shortDeadline.shutdownDeadline = .milliseconds(200)
        let settings = shortDeadline
        let enqueued = try await endpoint.serve { base in
            try await harness.withWorkers([try harness.webhook(base, timeout: .seconds(600))], settings: settings) {
                let enqueued = try await harness.push(to: "Jerry", device: webhookDevice("jerry"))
                await endpoint.waitForRequests(1)
                return enqueued
            }
        }
        // Back in the queue, due at once, the attempt counted; no outcome recorded.
        let job = try await harness.queue.job(id: enqueued.jobIds[0])
        XCTAssertEqual(job?.state, .ready)
        XCTAssertEqual(job?.attempts, 1)
        XCTAssertNil(job?.lease)
        XCTAssertEqual(harness.events.count { $0.attempt != nil }, 0)
    }
}
