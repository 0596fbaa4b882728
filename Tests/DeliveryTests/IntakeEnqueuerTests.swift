@testable import Delivery
import Foundation
import GRDB
import ServiceLifecycle
import SQLiteStorage
import XCTest

/// The hook's path through the intake on a real SQLite file: `enqueue` returns once the
/// record is durable; the loop admits it, records each job's `queued` event with its
/// badge, and wakes the provider's workers.
final class IntakeEnqueuerTests: XCTestCase {
    private struct Setup {
        let directory: URL
        let queue: SQLiteDeliveryQueue
        let events = EventLog()
        let signal = WorkSignal()
        let enqueuer: IntakeEnqueuer

        init(_ test: XCTestCase) throws {
            directory = try test.makeTemporaryDirectory()
            queue = SQLiteDeliveryQueue(database: try SQLiteDeliveryDatabase(directory: directory))
            enqueuer = IntakeEnqueuer(intake: queue, clock: SystemDeliveryClock(), signal: signal, events: events, logger: deliveryTestLogger)
        }

        /// Runs the loop while `body` runs, then shuts it down gracefully and waits for it.
        func running(_ body: () async throws -> Void) async throws {
            let group = ServiceGroup(configuration: .init(services: [enqueuer], logger: deliveryTestLogger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                do {
                    try await body()
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    func testEnqueuedPushesAreAdmittedAndAnnounced() async throws {
        let setup = try Setup(self)
        try await setup.running {
            let webhookWakeup = setup.signal.wakeup(.webhook).generation
            let pushes = [
                makePush(receiver: "Jerry", devices: [webhookDevice("j1"), DeviceAddress(provider: .fcm, token: "j2")]),
                makePush(receiver: "Tom", devices: [webhookDevice("t1")], incrementsBadge: false),
            ]
            try await setup.enqueuer.enqueue(pushes)
            await setup.events.wait(for: 3) { $0.isQueued }
            let jobs = try await setup.queue.jobs(matching: JobFilter(), afterId: nil, limit: 10)
            let queued = setup.events.events.filter(\.kind.isQueued)
            XCTAssertEqual(queued.map(\.jobId), jobs.map(\.id))
            XCTAssertEqual(queued.map(\.pushId), [pushes[0].pushId, pushes[0].pushId, pushes[1].pushId])
            XCTAssertEqual(queued.map(\.kind), [.queued(badge: 1), .queued(badge: 1), .queued(badge: nil)])
            XCTAssertNotEqual(setup.signal.wakeup(.webhook).generation, webhookWakeup, "the webhook's workers were woken")
        }
    }

    /// A process that stopped between accept and admission left records: the next one
    /// admits them as it starts, before any hook call.
    func testRecordsLeftBeforeTheStartAreAdmitted() async throws {
        let setup = try Setup(self)
        let left = [makePush(receiver: "Jerry", devices: [webhookDevice("j1")])]
        try await setup.queue.accept(left, now: Date())
        try await setup.running {
            await setup.events.wait(for: 1) { $0.isQueued }
            XCTAssertEqual(setup.events.events.map(\.pushId), [left[0].pushId])
        }
    }

    /// Graceful shutdown returns only after what was accepted is admitted.
    func testShutdownAdmitsWhatWasAccepted() async throws {
        let setup = try Setup(self)
        var late: [NewPush] = []
        try await setup.running {
            try await setup.enqueuer.enqueue([makePush(receiver: "Tom", devices: [webhookDevice("t1")])])
            await setup.events.wait(for: 1) { $0.isQueued }
            // Accepted without the enqueuer's wake-up: only the final pass can find it.
            late = [makePush(receiver: "Jerry", devices: [webhookDevice("j1")])]
            try await setup.queue.accept(late, now: Date())
        }
        XCTAssertEqual(setup.events.events.last?.pushId, late[0].pushId)
        let again = try await setup.queue.admit(upTo: 100)
        XCTAssertEqual(again, [], "nothing is left in the intake")
    }

    /// A failed admission is tried again; the call that was accepted loses nothing.
    func testAFailedAdmissionIsTriedAgain() async throws {
        let setup = try Setup(self)
        let byHand = try DatabaseQueue(path: setup.directory.appendingPathComponent("intake.sqlite").path)
        try await byHand.write { db in try db.execute(sql: "INSERT INTO intake (accepted_at, pushes) VALUES (0, 'not json')") }
        try await setup.running {
            let pushes = [makePush(receiver: "Jerry", devices: [webhookDevice("j1")])]
            try await setup.enqueuer.enqueue(pushes)
            let stuck = try await setup.queue.jobs(matching: JobFilter(), afterId: nil, limit: 10)
            XCTAssertEqual(stuck, [], "the unreadable record fails each admission")
            try await byHand.write { db in try db.execute(sql: "DELETE FROM intake WHERE pushes = 'not json'") }
            await setup.events.wait(for: 1) { $0.isQueued }
            XCTAssertEqual(setup.events.events.map(\.pushId), [pushes[0].pushId])
        }
    }
}
