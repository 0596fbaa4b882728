import Foundation
import GRDB
@testable import SQLiteStorage
import XCTest

/// The delivery database's log is copied back into its file by the checkpointer's own
/// connection, long before the writer's commits would do it.
final class WALCheckpointerTests: XCTestCase {
    func testTheLogIsCopiedBackOffTheWriter() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pc-wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try SQLiteDeliveryDatabase(directory: directory)
        let file = directory.appendingPathComponent(SQLiteDeliveryDatabase.fileName).path

        let threshold = try await database.pool.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") }
        XCTAssertEqual(threshold, WALCheckpointer.writerThresholdFrames)

        // About 2,000 pages: past SQLite's default threshold (1,000), under the writer's.
        let rows = 2_000
        try await database.pool.write { db in
            try db.execute(sql: "CREATE TABLE scratch (payload BLOB)")
            let payload = Data(repeating: 7, count: 4_000)
            for _ in 0..<rows { try db.execute(sql: "INSERT INTO scratch (payload) VALUES (?)", arguments: [payload]) }
        }
        let expected = rows * 4_000
        let deadline = ContinuousClock.now + .seconds(20)
        var size = 0
        while ContinuousClock.now < deadline {
            size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
            if size >= expected { break }
            try await Task.sleep(for: WALCheckpointer.interval)
        }
        XCTAssertGreaterThanOrEqual(size, expected, "the rows stayed in the log: nothing checkpointed it")
    }

    /// Once the database is let go its connections are closed, the checkpointer's too: the
    /// last one to close removes the log, and another process may open the file at once.
    func testLettingTheDatabaseGoClosesTheCheckpointersConnection() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pc-wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent(SQLiteDeliveryDatabase.fileName + "-wal").path
        do {
            let database = try SQLiteDeliveryDatabase(directory: directory)
            try await database.pool.write { try $0.execute(sql: "CREATE TABLE scratch (n INTEGER); INSERT INTO scratch VALUES (1)") }
            XCTAssertTrue(FileManager.default.fileExists(atPath: log))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: log), "a connection outlived the database")
    }
}
