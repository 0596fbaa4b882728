@testable import Delivery
import Foundation
import XCTest

/// How the workers keep the provider busy: a slot frees when the provider answers, and
/// the recording of that answer (queue update, audit events) goes on beside the next
/// sends; events are handed to the sink in batches.
final class WorkerPipeliningTests: XCTestCase {
    func testASlotFreesWhenTheProviderAnswersWhileItsAnswerIsStillBeingRecorded() async throws {
        let harness = try await DeliveryHarness.make(self)
        let endpoint = EndpointChecks.webhook(clock: harness.clock)
        let settings = {
            var settings = WorkerSettings.fastForTests
            settings.concurrency = 1
            return settings
        }()
        try await endpoint.serve { base in
            let provider = try harness.webhook(base)
            let pushes = (0..<4).map { makePush(receiver: "r\($0)", devices: [webhookDevice("token-\($0)")]) }
            _ = try await harness.enqueuer.enqueue(pushes)
            // A slow audit log: no answer can be recorded until the gate opens.
            harness.events.closeGate()
            try await harness.withWorkers([provider], settings: settings) {
                // With one slot, the second push is sent while the first's answer waits to
                // be recorded. Recordings wait at most one set of slots: two here.
                await endpoint.waitForRequests(2)
                XCTAssertEqual(harness.events.count { $0.attempt != nil }, 0, "no answer recorded yet")
                harness.events.openGate()
                await harness.events.wait(for: 4) { $0.isDelivered }
            }
        }
        XCTAssertEqual(Set(endpoint.received.compactMap { $0.json?["receiver"]?.stringValue }), ["r0", "r1", "r2", "r3"])
        let stats = try await harness.queue.stats(now: harness.clock.now())
        XCTAssertEqual(stats.counts(.webhook), .init(delivered: 4))
    }

    func testOneCommitsQueuedEventsGoToTheSinkTogether() async throws {
        let harness = try await DeliveryHarness.make(self)
        let pushes = (0..<50).map { makePush(receiver: "r\($0)", devices: [webhookDevice("token-\($0)")]) }
        _ = try await harness.enqueuer.enqueue(pushes)
        XCTAssertEqual(harness.events.count { $0.isQueued }, 50)
        XCTAssertEqual(harness.events.batchSizes, [50])
    }
}
