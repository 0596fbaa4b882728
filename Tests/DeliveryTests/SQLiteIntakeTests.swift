@testable import Delivery
import Foundation
import GRDB
import PushCompose
import SQLiteStorage
import XCTest

/// The SQLite queue's intake (`PushIntake`) on real database files: what an accept
/// stores becomes jobs only when admitted, exactly once, as of its accept time, and
/// survives the process between the two.
final class SQLiteIntakeTests: XCTestCase {
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    private func open(_ directory: URL) throws -> SQLiteDeliveryQueue {
        SQLiteDeliveryQueue(database: try SQLiteDeliveryDatabase(directory: directory, durability: .full))
    }

    func testAcceptedPushesBecomeJobsOnlyWhenAdmitted() async throws {
        let queue = try open(makeTemporaryDirectory())
        let first = [
            makePush(receiver: "Jerry", devices: [webhookDevice("j1"), DeviceAddress(provider: .apns, token: "j2", apnsEnvironment: .sandbox)]),
            makePush(receiver: "Spike", devices: []),
            makePush(receiver: "Tom", devices: [webhookDevice("t1")], incrementsBadge: false),
        ]
        let second = [makePush(receiver: "Jerry", devices: [webhookDevice("j1")])]
        try await queue.accept(first, now: t0)
        try await queue.accept(second, now: t0.addingTimeInterval(1))
        let before = try await queue.jobs(matching: JobFilter(), afterId: nil, limit: 100)
        XCTAssertEqual(before, [], "an accept makes no job")
        let badgeBefore = try await queue.badge(of: "Jerry")
        XCTAssertEqual(badgeBefore, 0, "nor counts a badge")
        let waiting = try await queue.stats(now: t0)
        XCTAssertEqual(waiting.intakeRecords, 2, "the stats count the records")

        let admitted = try await queue.admit(upTo: 100)
        XCTAssertEqual(admitted.map(\.pushes), [first, second], "records in accept order, their pushes as accepted")
        XCTAssertEqual(admitted[0].enqueued.map(\.badge), [1, nil, nil])
        XCTAssertEqual(admitted[0].enqueued.map(\.jobIds.count), [2, 0, 1])
        XCTAssertEqual(admitted[1].enqueued.map(\.badge), [2])
        let jobs = try await queue.jobs(matching: JobFilter(), afterId: nil, limit: 100)
        XCTAssertEqual(jobs.map(\.id), admitted.flatMap { $0.enqueued.flatMap(\.jobIds) })
        XCTAssertEqual(jobs.map(\.queuedAt), [t0, t0, t0, t0.addingTimeInterval(1)], "queued as of the accept, not the admission")
        XCTAssertEqual(jobs[1].device, DeviceAddress(provider: .apns, token: "j2", apnsEnvironment: .sandbox))
        XCTAssertEqual(jobs[0].payload, first[0].payload)
        let stats = try await queue.stats(now: t0)
        XCTAssertEqual(stats.counts(.webhook).ready, 3)
        XCTAssertEqual(stats.intakeRecords, 0)

        let again = try await queue.admit(upTo: 100)
        XCTAssertEqual(again, [], "a record is admitted once")
    }

    func testAnAdmissionTakesTheOldestRecordsUntilTheyHoldEnoughPushes() async throws {
        let queue = try open(makeTemporaryDirectory())
        let sizes = [2, 1, 3, 1]
        let records = sizes.enumerated().map { record, size in
            (0..<size).map { makePush(receiver: "r\(record)-\($0)", devices: [webhookDevice("d\(record)-\($0)")]) }
        }
        for record in records { try await queue.accept(record, now: t0) }
        let first = try await queue.admit(upTo: 3)
        XCTAssertEqual(first.map(\.pushes), Array(records[0...1]), "2 + 1 pushes reach the limit")
        let second = try await queue.admit(upTo: 1)
        XCTAssertEqual(second.map(\.pushes), [records[2]], "a record larger than the limit is admitted whole")
        let rest = try await queue.admit(upTo: 100)
        XCTAssertEqual(rest.map(\.pushes), [records[3]])
    }

    /// The process ends between accept and admission (the crash test kills a server
    /// there too): the next process's queue admits the record.
    func testAnAcceptedRecordOutlivesTheProcess() async throws {
        let directory = try makeTemporaryDirectory()
        let pushes = [makePush(receiver: "Jerry", devices: [webhookDevice("j1")])]
        try await open(directory).accept(pushes, now: t0)
        let reopened = try open(directory)
        let admitted = try await reopened.admit(upTo: 100)
        XCTAssertEqual(admitted.map(\.pushes), [pushes])
        let jobs = try await reopened.jobs(matching: JobFilter(), afterId: nil, limit: 10)
        XCTAssertEqual(jobs.map(\.pushId), [pushes[0].pushId])
    }

    func testAnUnreadableRecordFailsTheAdmissionAndChangesNothing() async throws {
        let directory = try makeTemporaryDirectory()
        let queue = try open(directory)
        try await queue.accept([makePush(receiver: "Jerry", devices: [webhookDevice("j1")])], now: t0)
        let byHand = try DatabaseQueue(path: directory.appendingPathComponent("intake.sqlite").path)
        try await byHand.write { db in
            try db.execute(sql: "INSERT INTO intake (accepted_at, pushes) VALUES (0, '{\"pushes\": 1}')")
        }
        do {
            _ = try await queue.admit(upTo: 100)
            XCTFail("an unreadable record was admitted")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("intake record 2 in intake.sqlite: a stored push does not decode"), "\(error)")
        }
        let jobs = try await queue.jobs(matching: JobFilter(), afterId: nil, limit: 10)
        XCTAssertEqual(jobs, [], "the good record before it was not admitted either: one transaction")
        try await byHand.write { db in try db.execute(sql: "DELETE FROM intake WHERE id = 2") }
        let admitted = try await queue.admit(upTo: 100)
        XCTAssertEqual(admitted.count, 1)
    }

    /// A crash after the admission's commit and before the records' deletion leaves them
    /// in the intake: the watermark keeps them from being admitted again, and the next
    /// admission deletes them.
    func testARecordTheWatermarkPassedIsNotAdmittedAgain() async throws {
        let directory = try makeTemporaryDirectory()
        let queue = try open(directory)
        let first = [makePush(receiver: "Jerry", devices: [webhookDevice("j1")])]
        try await queue.accept(first, now: t0)
        _ = try await queue.admit(upTo: 100)
        let byHand = try DatabaseQueue(path: directory.appendingPathComponent("intake.sqlite").path)
        try await byHand.write { db in
            try db.execute(sql: "INSERT INTO intake (id, accepted_at, pushes) VALUES (1, 0, ?)", arguments: [NewPush.storedText(first)])
        }
        let leftover = try await queue.stats(now: t0)
        XCTAssertEqual(leftover.intakeRecords, 0, "a record the watermark passed is not waiting")
        let nothing = try await queue.admit(upTo: 100)
        XCTAssertEqual(nothing, [])

        let second = [makePush(receiver: "Tom", devices: [webhookDevice("t1")])]
        try await queue.accept(second, now: t0)
        let admitted = try await queue.admit(upTo: 100)
        XCTAssertEqual(admitted.map(\.pushes), [second])
        let jobs = try await queue.jobs(matching: JobFilter(), afterId: nil, limit: 10)
        XCTAssertEqual(jobs.map(\.pushId), [first[0].pushId, second[0].pushId], "the first push once")
        let rows = try await byHand.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM intake") }
        XCTAssertEqual(rows, 0, "the leftover was deleted with the second record")
    }

    /// Ids go on past the watermark even when `intake.sqlite` was removed: a new record
    /// numbered from 1 again would be taken for one already admitted.
    func testANewIntakeFileNumbersAfterTheWatermark() async throws {
        let directory = try makeTemporaryDirectory()
        do {
            let queue = try open(directory)
            for receiver in ["Jerry", "Tom"] {
                try await queue.accept([makePush(receiver: receiver, devices: [webhookDevice(receiver)])], now: t0)
            }
            _ = try await queue.admit(upTo: 100)
        }
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent("intake.sqlite" + suffix))
        }
        let reopened = try open(directory)
        let pushes = [makePush(receiver: "Spike", devices: [webhookDevice("s1")])]
        try await reopened.accept(pushes, now: t0)
        let admitted = try await reopened.admit(upTo: 100)
        XCTAssertEqual(admitted.map(\.pushes), [pushes])
    }

    func testStoredPushesReadBackAsWritten() throws {
        let mention: JSONValue = .object([("alert", .string("Tom: @Jerry \"hi\" 👋\n")), ("badge", .string("Increment")), ("sound", .null)])
        let plain: JSONValue = .object([("alert", .string("Tom: hi")), ("n", .number(1.5)), ("list", .array([.bool(true), .number(-3)]))])
        let pushes = [
            makePush(receiver: "Jerry", devices: [
                DeviceAddress(provider: .apns, token: "a", platform: "ios", apnsEnvironment: .production, topic: "com.example.chat"),
                DeviceAddress(provider: .fcm, token: "f", platform: "android"),
            ], payload: mention),
            makePush(receiver: "Spike", devices: [], incrementsBadge: false, payload: plain),
            makePush(receiver: "Tyke", devices: [DeviceAddress(provider: .platform, token: "p")], payload: mention),
        ]
        let text = NewPush.storedText(pushes)
        XCTAssertEqual(try NewPush.pushes(storedText: text), pushes)
        XCTAssertEqual(text.components(separatedBy: "Tom: @Jerry").count, 2, "a shared payload is stored once: \(text)")
        XCTAssertEqual(try NewPush.pushes(storedText: NewPush.storedText([])), [])
        XCTAssertThrowsError(try NewPush.pushes(storedText: #"{"payloads": [], "pushes": [{"payload": 0}]}"#)) { error in
            XCTAssertEqual("\(error)", "a stored push does not decode: 'payload' is not an index into 'payloads'")
        }
    }
}
