import Experiments
import Foundation
import GRDB
import Storage

/// The experiment store in its own SQLite file (WAL), beside the state and the queue, so
/// that exposure batches never hold the writer a hook's state or queue write waits for.
///
/// Every exposure is kept (`experiment_exposure`); beside it, one row per experiment,
/// variant and receiver (`experiment_receiver`) is updated in the same transaction,
/// so that the report reads one row per receiver instead of every push.
public final class SQLiteExperimentStore: ExperimentStore {
    public static let fileName = "experiments.sqlite"

    private let database: DatabasePool

    /// Opens (creating if needed) `experiments.sqlite` in `directory`.
    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        // A write waits up to 5 s for another connection's lock, on GRDB's writer queue:
        // callers await it (the async `write`), no thread of theirs is held.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // A crash of the machine may lose the last batches of exposures and opens,
            // never corrupt them: statistics, not pushes.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // The writer's batches land on random pages of the exposures' indexes (push
            // ids are random, receivers interleave): 64 MiB of them stay in memory.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -65536") }
        }
        database = try DatabasePool(path: directory.appendingPathComponent(Self.fileName).path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 exposures, receivers, events, overrides, weights") { db in
            try db.execute(
                sql: """
                    CREATE TABLE experiment_exposure (
                        push_id TEXT NOT NULL,
                        receiver TEXT NOT NULL,
                        experiment TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        unit TEXT NOT NULL,
                        time REAL NOT NULL,
                        status TEXT NOT NULL,
                        opened_at REAL,
                        PRIMARY KEY (push_id, receiver, experiment)
                    ) WITHOUT ROWID;
                    -- Holds what a report since a time counts: it reads the index alone.
                    CREATE INDEX experiment_exposure_by_time ON experiment_exposure (experiment, time, variant, status, receiver, opened_at);
                    CREATE INDEX experiment_exposure_by_receiver ON experiment_exposure (receiver, experiment, time)
                        WHERE status = 'exposed';
                    CREATE TABLE experiment_receiver (
                        experiment TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        receiver TEXT NOT NULL,
                        pushes INTEGER NOT NULL DEFAULT 0,
                        opens INTEGER NOT NULL DEFAULT 0,
                        not_exposed INTEGER NOT NULL DEFAULT 0,
                        overridden INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (experiment, variant, receiver)
                    ) WITHOUT ROWID;
                    CREATE TABLE experiment_event (
                        push_id TEXT NOT NULL,
                        receiver TEXT NOT NULL,
                        time REAL NOT NULL,
                        outcome TEXT NOT NULL,
                        PRIMARY KEY (push_id, receiver)
                    ) WITHOUT ROWID;
                    CREATE TABLE experiment_override (
                        experiment TEXT NOT NULL,
                        unit TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        PRIMARY KEY (experiment, unit)
                    ) WITHOUT ROWID;
                    CREATE TABLE experiment_weights (
                        experiment TEXT NOT NULL,
                        time REAL NOT NULL,
                        weights TEXT NOT NULL,
                        PRIMARY KEY (experiment, time)
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }

    public func recordExposures(_ exposures: [ExperimentExposure]) async throws {
        guard !exposures.isEmpty else { return }
        try await database.write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO experiment_exposure (push_id, receiver, experiment, variant, unit, time, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """)
            var rollup: [ReceiverKey: ReceiverIncrement] = [:]
            for exposure in exposures {
                try insert.execute(arguments: [
                    exposure.pushId, exposure.receiver, exposure.experiment, exposure.variant, exposure.unit, exposure.time,
                    exposure.status.rawValue,
                ])
                guard db.changesCount > 0 else { continue }
                rollup[ReceiverKey(exposure), default: ReceiverIncrement()].add(exposure.status)
            }
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO experiment_receiver (experiment, variant, receiver, pushes, not_exposed, overridden) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT DO UPDATE SET pushes = pushes + excluded.pushes, not_exposed = not_exposed + excluded.not_exposed,
                        overridden = overridden + excluded.overridden
                    """)
            for (key, increment) in rollup {
                try upsert.execute(arguments: [
                    key.experiment, key.variant, key.receiver, increment.pushes, increment.notExposed, increment.overridden,
                ])
            }
        }
    }

    public func recordOpens(_ events: [OpenEvent], windows: [String: Double]) async throws -> [OpenEventOutcome] {
        guard !events.isEmpty else { return [] }
        return try await database.write { db in
            try events.map { event in try Self.record(event, windows: windows, db) }
        }
    }

    private static func record(_ event: OpenEvent, windows: [String: Double], _ db: Database) throws -> OpenEventOutcome {
        guard let pushId = try pushId(of: event, db) else { return .unknownPush }
        let exposed = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT receiver, experiment, variant, time FROM experiment_exposure WHERE push_id = ? AND status = 'exposed'"),
            arguments: [pushId]
        ).map { ExposedPush(pushId: pushId, receiver: $0["receiver"], experiment: $0["experiment"], variant: $0["variant"], time: $0["time"]) }
        let receiver: String
        let exposures: [ExposedPush]
        switch OpenEventMatch.target(of: event, pushId: pushId, exposed: exposed) {
        case .ignored(let outcome): return outcome
        case .opened(_, let opener, let opened): (receiver, exposures) = (opener, opened)
        }
        let (outcome, counted) = OpenEventMatch.outcome(at: event.time, of: exposures, windows: windows)
        try db.cachedStatement(sql: "INSERT INTO experiment_event (push_id, receiver, time, outcome) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .execute(arguments: [pushId, receiver, event.time, outcome.rawValue])
        guard db.changesCount > 0 else { return .duplicate }
        for exposure in counted {
            try db.cachedStatement(sql: "UPDATE experiment_exposure SET opened_at = ? WHERE push_id = ? AND receiver = ? AND experiment = ?")
                .execute(arguments: [event.time, pushId, receiver, exposure.experiment])
            try db.cachedStatement(sql: "UPDATE experiment_receiver SET opens = opens + 1 WHERE experiment = ? AND variant = ? AND receiver = ?")
                .execute(arguments: [exposure.experiment, exposure.variant, receiver])
        }
        return outcome
    }

    /// The push an event names, or the receiver's latest exposed push of the event's
    /// experiment (and variant) at or before it.
    private static func pushId(of event: OpenEvent, _ db: Database) throws -> String? {
        if let pushId = event.pushId { return pushId }
        guard let receiver = event.receiver, let experiment = event.experiment else { return nil }
        return try String.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT push_id FROM experiment_exposure
                    WHERE receiver = ? AND experiment = ? AND status = 'exposed' AND time <= ? AND (? IS NULL OR variant = ?)
                    ORDER BY time DESC LIMIT 1
                    """),
            arguments: [receiver, experiment, event.time, event.variant, event.variant])
    }

    public func armCounts(experiment: String, since: Double?) async throws -> [ArmCounts] {
        try await database.read { db in
            let rows: [Row]
            if let since {
                // Every exposure since then: slower than the rollup, which has no time.
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT variant, SUM(status = 'exposed') AS pushes,
                            COUNT(DISTINCT CASE WHEN status = 'exposed' THEN receiver END) AS receivers,
                            SUM(opened_at IS NOT NULL) AS opens, COUNT(DISTINCT CASE WHEN opened_at IS NOT NULL THEN receiver END) AS openers,
                            SUM(status = 'not-exposed') AS not_exposed, SUM(status = 'overridden') AS overridden
                        FROM experiment_exposure WHERE experiment = ? AND time >= ? GROUP BY variant ORDER BY variant
                        """,
                    arguments: [experiment, since])
            } else {
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT variant, SUM(pushes) AS pushes, SUM(pushes > 0) AS receivers, SUM(opens) AS opens, SUM(opens > 0) AS openers,
                            SUM(not_exposed) AS not_exposed, SUM(overridden) AS overridden
                        FROM experiment_receiver WHERE experiment = ? GROUP BY variant ORDER BY variant
                        """,
                    arguments: [experiment])
            }
            return rows.map { row in
                ArmCounts(
                    variant: row["variant"], pushes: row["pushes"], receivers: row["receivers"], opens: row["opens"], openers: row["openers"],
                    notExposed: row["not_exposed"], overridden: row["overridden"])
            }
        }
    }

    public func setOverride(_ override: ExperimentOverride) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO experiment_override (experiment, unit, variant, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT DO UPDATE SET variant = excluded.variant, created_at = excluded.created_at
                    """,
                arguments: [override.experiment, override.unit, override.variant, override.createdAt])
        }
    }

    public func removeOverride(experiment: String, unit: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM experiment_override WHERE experiment = ? AND unit = ?", arguments: [experiment, unit])
            return db.changesCount > 0
        }
    }

    public func overrides(experiment: String?) async throws -> [ExperimentOverride] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT experiment, unit, variant, created_at FROM experiment_override
                    WHERE ? IS NULL OR experiment = ? ORDER BY experiment, unit
                    """,
                arguments: [experiment, experiment]
            ).map { ExperimentOverride(experiment: $0["experiment"], unit: $0["unit"], variant: $0["variant"], createdAt: $0["created_at"]) }
        }
    }

    public func saveWeights(_ update: WeightUpdate) async throws -> WeightUpdate {
        let weights = try StoredWeights.encode(update.weights)
        let stored = try await database.write { db in
            try db.execute(
                sql: "INSERT INTO experiment_weights (experiment, time, weights) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [update.experiment, update.time, weights])
            return try String.fetchOne(
                db, sql: "SELECT weights FROM experiment_weights WHERE experiment = ? AND time = ?", arguments: [update.experiment, update.time])!
        }
        return WeightUpdate(experiment: update.experiment, time: update.time, weights: try StoredWeights.decode(stored))
    }

    public func weightHistory(experiment: String) async throws -> [WeightUpdate] {
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT time, weights FROM experiment_weights WHERE experiment = ? ORDER BY time", arguments: [experiment])
                .map { (time: $0["time"] as Double, weights: $0["weights"] as String) }
        }
        return try rows.map { WeightUpdate(experiment: experiment, time: $0.time, weights: try StoredWeights.decode($0.weights)) }
    }
}

/// One row of `experiment_receiver`.
private struct ReceiverKey: Hashable {
    var experiment: String
    var variant: String
    var receiver: String

    init(_ exposure: ExperimentExposure) {
        experiment = exposure.experiment
        variant = exposure.variant
        receiver = exposure.receiver
    }
}

/// What a batch of exposures adds to one `experiment_receiver` row.
private struct ReceiverIncrement {
    var pushes = 0
    var notExposed = 0
    var overridden = 0

    mutating func add(_ status: ExposureStatus) {
        switch status {
        case .exposed: pushes += 1
        case .notExposed: notExposed += 1
        case .overridden: overridden += 1
        }
    }
}
