import Foundation
import GRDB

/// `intake.sqlite`, beside `delivery.sqlite`: the hook calls' accepted records
/// (`PushIntake`), in a file of their own so that an accept has a writer of its own and
/// never waits behind the workers' claims and finishes on the queue's one writer (that
/// wait was most of an accept's tail).
///
/// A record is admitted by the queue's transaction that writes its jobs and moves the
/// watermark (`intake_admitted` in `delivery.sqlite`) past its id; it is deleted here
/// afterwards. Ids never repeat (`AUTOINCREMENT`), so a record the watermark passed is
/// never admitted again, even when a crash came before its deletion.
final class SQLiteIntakeFile: Sendable {
    static let fileName = "intake.sqlite"

    let pool: DatabasePool
    private let checkpointer: WALCheckpointer

    /// Opens (creating if needed) the file in `directory`; `admittedThrough` is the
    /// queue's watermark, which the next id must pass (the file may have been removed).
    init(directory: URL, durability: SQLiteDeliveryDatabase.Durability, admittedThrough watermark: Int64) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // Only accepts write here (and the deletions after admission): every commit is
            // an accept's, flushed as the queue's durability says.
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.writerThresholdFrames)")
        }
        let path = directory.appendingPathComponent(Self.fileName).path
        pool = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 intake") { db in
            try db.execute(sql: "CREATE TABLE intake (id INTEGER PRIMARY KEY AUTOINCREMENT, accepted_at INTEGER NOT NULL, pushes TEXT NOT NULL)")
        }
        try migrator.migrate(pool)
        // Read first: a command opening the files beside a running server writes nothing.
        let lastId = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'intake'") ?? 0 }
        if lastId < watermark {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'intake'")
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('intake', ?)", arguments: [watermark])
            }
        }
        checkpointer = try WALCheckpointer(path: path)
    }
}
