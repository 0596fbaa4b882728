import Foundation
import GRDB

/// The delivery database: one SQLite file in WAL mode (readers never wait for the
/// writer), shared by `SQLiteDeviceStore` and `SQLiteDeliveryQueue`. Every access goes
/// through GRDB's async API, so nothing blocks Swift's cooperative pool.
public final class SQLiteDeliveryDatabase: Sendable {
    public static let fileName = "delivery.sqlite"

    /// How a commit that stores a push or a device reaches the disk. `full` (the
    /// default): it survives a power loss. `normal`: it survives the process being
    /// killed, and the last ones may be lost with the machine's power, for fewer disk
    /// flushes. The bookkeeping of attempts (claims, finishes, retries) is always
    /// written as with `normal`: a power loss can undo it, which only sends a push
    /// again, and waiting for the disk there would cap deliveries at the disk's
    /// flushes per second.
    public enum Durability: String, Sendable, CaseIterable {
        case full
        case normal
    }

    let pool: DatabasePool
    /// The hook calls' records before they are jobs (`PushIntake`).
    let intake: SQLiteIntakeFile
    let durability: Durability
    private let priority = WriterPriority()
    private let checkpointer: WALCheckpointer

    /// Opens (creating if needed) `delivery.sqlite` and `intake.sqlite` in `directory`.
    public init(directory: URL, durability: Durability = .full) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.durability = durability
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // `checkpointer` copies the log back off the writer; see `WALCheckpointer`.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.writerThresholdFrames)")
        }
        let path = directory.appendingPathComponent(Self.fileName).path
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        checkpointer = try WALCheckpointer(path: path)
        let watermark = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT last_id FROM intake_admitted") ?? 0 }
        intake = try SQLiteIntakeFile(directory: directory, durability: durability, admittedThrough: watermark)
    }

    /// A write that stores pushes (an enqueue, an admission) or a device: committed with
    /// `durability`.
    func durableWrite<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await priority.durable { try await writeWithDurability(updates) }
    }

    private func writeWithDurability<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard durability == .full else { return try await pool.write(updates) }
        return try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
            var result: T?
            try db.inTransaction(.immediate) {
                result = try updates(db)
                return .commit
            }
            return result!
        }
    }

    /// Bookkeeping of attempts and operators' changes to jobs: committed without
    /// waiting for the disk (see `Durability`).
    func bookkeepingWrite<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await priority.bookkeeping { try await pool.write(updates) }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 devices, badges, jobs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE device (
                        provider TEXT NOT NULL,
                        token TEXT NOT NULL,
                        client_id TEXT NOT NULL,
                        platform TEXT,
                        locale TEXT,
                        apns_environment TEXT,
                        topic TEXT,
                        created_at INTEGER NOT NULL,
                        last_seen_at INTEGER NOT NULL,
                        PRIMARY KEY (provider, token)
                    );
                    CREATE INDEX device_by_client ON device (client_id, last_seen_at);
                    CREATE TABLE badge (
                        client_id TEXT PRIMARY KEY,
                        count INTEGER NOT NULL
                    );
                    -- AUTOINCREMENT: a purged job's id is never given to another.
                    CREATE TABLE job (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        push_id TEXT NOT NULL,
                        hook_call_id TEXT NOT NULL,
                        receiver TEXT NOT NULL,
                        conversation TEXT NOT NULL,
                        template TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        badge INTEGER,
                        provider TEXT NOT NULL,
                        token TEXT NOT NULL,
                        platform TEXT,
                        apns_environment TEXT,
                        topic TEXT,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        queued_at INTEGER NOT NULL,
                        due_at INTEGER,
                        lease_token TEXT,
                        last_status INTEGER,
                        last_reason TEXT,
                        dead_at INTEGER
                    );
                    CREATE INDEX job_due ON job (provider, due_at) WHERE state != 'dead';
                    CREATE INDEX job_dead ON job (dead_at) WHERE state = 'dead';
                    CREATE TABLE finished (
                        provider TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        PRIMARY KEY (provider, outcome)
                    );
                    """)
        }
        migrator.registerMigration("v2 lease holders, instances") { db in
            try db.execute(
                sql: """
                    ALTER TABLE job ADD COLUMN leased_by TEXT;
                    CREATE TABLE instance (
                        id TEXT PRIMARY KEY,
                        started_at INTEGER NOT NULL,
                        last_seen_at INTEGER NOT NULL,
                        workers INTEGER NOT NULL
                    );
                    """)
        }
        // The queue's stats (the dashboard, /metrics) read counters instead of counting a
        // million jobs: the queue's writes keep them in their transactions (JobCounts).
        migrator.registerMigration("v3 job counts kept by the queue, oldest ready") { db in
            try db.execute(sql: JobCounts.schema)
        }
        // The dead jobs' list (the dashboard's Queue page) in id order: without it, a few
        // dead jobs among a million were found by walking every id (a third of a second).
        migrator.registerMigration("v4 dead jobs by id") { db in
            try db.execute(sql: "CREATE INDEX job_dead_by_id ON job (id) WHERE state = 'dead'")
        }
        // The last record of `intake.sqlite` admitted into the queue (`SQLiteIntakeFile`).
        migrator.registerMigration("v5 intake watermark") { db in
            try db.execute(sql: "CREATE TABLE intake_admitted (last_id INTEGER NOT NULL); INSERT INTO intake_admitted VALUES (0)")
        }
        return migrator
    }
}
