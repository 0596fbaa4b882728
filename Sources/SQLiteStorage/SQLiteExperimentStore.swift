import Experiments
import Foundation
import GRDB
import LowPriority
import PushCompose
import Storage
import Synchronization

/// The experiment store in its own SQLite file (WAL), beside the state and the queue, so
/// that exposure batches never hold the writer a hook's state or queue write waits for.
///
/// A push is one row per experiment, variant and status holding its receivers
/// (`experiment_push`, appended in time order); an exposed receiver has one row per
/// experiment and variant (`experiment_receiver`: its counts and latest push), and each
/// variant its counters (`experiment_arm`), updated in the same transaction: a batch costs
/// a row per push and a row write per receiver a push exposed (in one statement per
/// push), and the report reads the counters alone.
///
/// That work is done later, not when exposures are recorded: on one core it costs more
/// than the hooks that caused it. `recordExposures` appends the batch as one blob to a
/// file of its own (`experiment-exposures.sqlite`), and a thread of the lowest CPU
/// priority counts the batches into the tables above, so under load it takes only the
/// CPU the hooks leave. Every read (`armCounts`, `recordOpens`) counts what is left
/// first, at its caller's priority, so it sees everything recorded. A mark in the
/// counted file, moved in the counting transaction, says which batches are counted: a
/// crash between counting and removing a batch never counts it twice. When more than
/// `countInlineAbove` receivers wait (a load the idle CPU cannot absorb), recording
/// counts them itself, and the recorder's callers wait for it.
public final class SQLiteExperimentStore: ExperimentStore {
    public static let fileName = "experiments.sqlite"
    /// The recorded batches not yet counted.
    public static let recordedFileName = "experiment-exposures.sqlite"

    private let database: DatabasePool
    private let pending: DatabasePool
    /// Receivers recorded and not yet counted above which recording counts them itself.
    public let countInlineAbove: Int
    private let counting = Mutex(Counting())

    /// Receivers recorded and not yet counted, as this store last saw them.
    public var uncountedReceivers: Int { counting.withLock { $0.uncounted } }

    private struct Counting {
        /// Receivers in the recorded batches.
        var uncounted = 0
        /// The last batch the counting thread counted, for the next recording to remove.
        var countedThrough: Int64 = 0
        /// The counting thread counted batches that no read has removed since.
        var countedUnremoved = false
        /// Batches recorded by this store, so the counting thread knows one came while it counted.
        var recorded = 0
        var threadRuns = false
        /// Callers of `countingThreadEnded`.
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    /// Opens (creating if needed) `experiments.sqlite` and `experiment-exposures.sqlite`
    /// in `directory`.
    public init(directory: URL, countInlineAbove: Int = 5_000_000) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        // A write waits up to 5 s for another connection's lock, on GRDB's writer queue:
        // callers await it (the async `write`), no thread of theirs is held.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // A crash of the machine may lose the last batches of exposures and opens,
            // never corrupt them: statistics, not pushes.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // The writer's batches land on random pages of the push ids' index and the
            // receivers' rows: 64 MiB of them stay in memory.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -65536") }
        }
        database = try DatabasePool(path: directory.appendingPathComponent(Self.fileName).path, configuration: configuration)
        try Self.migrator.migrate(database)
        var pendingConfiguration = Configuration()
        pendingConfiguration.busyMode = .timeout(5)
        pendingConfiguration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        pending = try DatabasePool(path: directory.appendingPathComponent(Self.recordedFileName).path, configuration: pendingConfiguration)
        var pendingMigrator = DatabaseMigrator()
        pendingMigrator.registerMigration("v1 batches") { db in
            try db.execute(
                sql: """
                    -- One row per recorded batch of calls (ExposureBatch), until it is counted.
                    CREATE TABLE exposure_batch (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        receivers INTEGER NOT NULL,
                        calls BLOB NOT NULL
                    );
                    """)
        }
        pendingMigrator.registerMigration("v2 receivers index") { db in
            // For `uncountedSQL`.
            try db.execute(sql: "CREATE INDEX exposure_batch_receivers ON exposure_batch (receivers)")
        }
        try pendingMigrator.migrate(pending)
        self.countInlineAbove = countInlineAbove
        let mark = try database.read { try Self.countedThrough($0) }
        let uncounted = try pending.write { db in
            // Counted before a crash stopped their removal.
            try db.execute(sql: "DELETE FROM exposure_batch WHERE id <= ?", arguments: [mark])
            // Batches must be numbered past the mark, also in a file made again after the
            // counted one (deleted by hand): AUTOINCREMENT keeps the highest number given.
            let given = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'exposure_batch'") ?? 0
            if given < mark {
                try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'exposure_batch'")
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('exposure_batch', ?)", arguments: [mark])
            }
            return try Self.uncounted(db)
        }
        counting.withLock { $0.uncounted = uncounted }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 pushes, arms, receivers, events, opens, overrides, weights") { db in
            try db.execute(
                sql: """
                    -- A rowid table: rows (up to 50 receivers) are appended, only the key index is random.
                    CREATE TABLE experiment_push (
                        push_id TEXT NOT NULL,
                        experiment TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        status TEXT NOT NULL,
                        time REAL NOT NULL,
                        receivers TEXT NOT NULL,
                        receiver_count INTEGER NOT NULL,
                        -- The conversation a conversation-unit experiment assigned by; NULL: each receiver.
                        conversation_unit TEXT
                    );
                    CREATE UNIQUE INDEX experiment_push_key ON experiment_push (push_id, experiment, variant, status);
                    CREATE INDEX experiment_push_by_time ON experiment_push (experiment, time);
                    CREATE TABLE experiment_arm (
                        experiment TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        pushes INTEGER NOT NULL DEFAULT 0,
                        receivers INTEGER NOT NULL DEFAULT 0,
                        opens INTEGER NOT NULL DEFAULT 0,
                        openers INTEGER NOT NULL DEFAULT 0,
                        not_exposed INTEGER NOT NULL DEFAULT 0,
                        overridden INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (experiment, variant)
                    ) WITHOUT ROWID;
                    CREATE TABLE experiment_receiver (
                        experiment TEXT NOT NULL,
                        receiver TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        pushes INTEGER NOT NULL,
                        opens INTEGER NOT NULL DEFAULT 0,
                        latest_push_id TEXT NOT NULL,
                        latest_time REAL NOT NULL,
                        PRIMARY KEY (experiment, receiver, variant)
                    ) WITHOUT ROWID;
                    CREATE TABLE experiment_event (
                        push_id TEXT NOT NULL,
                        receiver TEXT NOT NULL,
                        time REAL NOT NULL,
                        outcome TEXT NOT NULL,
                        PRIMARY KEY (push_id, receiver)
                    ) WITHOUT ROWID;
                    -- Counted opens by their push's time, for a report since a time.
                    CREATE TABLE experiment_open (
                        experiment TEXT NOT NULL,
                        push_time REAL NOT NULL,
                        push_id TEXT NOT NULL,
                        receiver TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        PRIMARY KEY (experiment, push_time, push_id, receiver)
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
        migrator.registerMigration("v2 the mark of counted batches") { db in
            try db.execute(
                sql: """
                    -- The last batch of experiment-exposures.sqlite counted here.
                    CREATE TABLE exposure_counted (batch INTEGER NOT NULL);
                    INSERT INTO exposure_counted (batch) VALUES (0);
                    """)
        }
        return migrator
    }

    public func recordExposures(_ calls: [CallExposures]) async throws {
        let receivers = calls.reduce(0) { $0 + $1.count }
        guard receivers > 0 else { return }
        let counted = counting.withLock { $0.countedThrough }
        let left = try await pending.write { db in
            // Encoded here, on the writer's queue: the caller may be a hook's event loop.
            let batch = ExposureBatch.encode(calls)
            try db.execute(sql: "INSERT INTO exposure_batch (receivers, calls) VALUES (?, ?)", arguments: [receivers, batch])
            // And the batches the counting thread counted (ids below the new one's): it never
            // writes this file itself, which would hold its writer at the lowest priority
            // while this insert waits.
            return try Self.remove(through: counted, db)
        }
        let backlog = counting.withLock { state in
            state.uncounted = left
            state.recorded += 1
            return state.uncounted
        }
        if backlog > countInlineAbove {
            // Back under the limit, not to zero: the next batches wait a step, not the whole backlog.
            try await countRecorded(downTo: countInlineAbove)
        } else {
            startCounting()
        }
    }

    // MARK: Counting, on a thread of the lowest priority

    /// Counts every batch recorded before the call, at the caller's priority: what the
    /// reads do first, so that they see everything recorded. With `downTo`, only until
    /// no more than that many receivers wait.
    private func countRecorded(downTo limit: Int? = nil) async throws {
        while true {
            if let limit, counting.withLock({ $0.uncounted }) <= limit { return }
            let mark = try await database.read { try Self.countedThrough($0) }
            let batches = try await pending.read { try Self.batches(after: mark, limit: 16, $0) }
            guard !batches.isEmpty else {
                // What the counting thread counted is still in the file until removed.
                let unremoved = counting.withLock { state in
                    defer { state.countedUnremoved = false }
                    return state.uncounted > 0 || state.countedUnremoved
                }
                if unremoved {
                    let left = try await pending.write { try Self.remove(through: mark, $0) }
                    counting.withLock { $0.uncounted = left }
                }
                return
            }
            let counted = try await database.writeWithoutTransaction { db in try Self.count(batches, db) }
            let left = try await pending.write { try Self.remove(through: counted, $0) }
            counting.withLock { $0.uncounted = left }
        }
    }

    /// The same, blocking the calling thread: for the counting thread only. It reads the
    /// recorded batches (a reader never blocks the file's writer) and leaves their removal
    /// to the next recording or read. A batch at a time, because whoever needs the
    /// counted file's writer meanwhile (a report, inline counting) waits for it at this
    /// thread's priority.
    ///
    /// Returns the receivers of the batches left past the mark it ended at: 0 unless
    /// another process records into the same file.
    private func countRecordedOnThisThread() throws -> Int {
        while true {
            let mark = try database.read { try Self.countedThrough($0) }
            let batches = try pending.read { try Self.batches(after: mark, limit: 1, $0) }
            guard !batches.isEmpty else { return try pending.read { try Self.uncounted(after: mark, $0) } }
            let counted = try database.writeWithoutTransaction { db in try Self.count(batches, db) }
            counting.withLock { state in
                state.countedThrough = max(state.countedThrough, counted)
                state.countedUnremoved = true
            }
        }
    }

    /// Starts the counting thread unless it runs: it counts until nothing recorded is left,
    /// then ends (a store that records nothing holds no thread).
    private func startCounting() {
        let start = counting.withLock { state in
            defer { state.threadRuns = true }
            return !state.threadRuns
        }
        guard start else { return }
        LowPriorityThread.start(name: "pc-exposures") { [self] in
            while true {
                let recorded = counting.withLock { $0.recorded }
                // A failure (the disk, a damaged batch) ends the thread; the next read counts
                // again and throws it to its caller.
                let left = try? countRecordedOnThisThread()
                let waiting = counting.withLock { state -> [CheckedContinuation<Void, Never>]? in
                    // Recorded while this pass counted: another pass.
                    guard state.recorded == recorded else { return nil }
                    state.threadRuns = false
                    // What the last recording left is counted now; without this the count
                    // (a metric) would keep it until the next recording or read.
                    if let left { state.uncounted = left }
                    defer { state.waiting = [] }
                    return state.waiting
                }
                if let waiting {
                    for continuation in waiting { continuation.resume() }
                    return
                }
            }
        }
    }

    /// Returns when the counting thread has ended (at once when none runs): for tests and
    /// benchmarks that look at the counted rows themselves.
    public func countingThreadEnded() async {
        await withCheckedContinuation { continuation in
            let ended = counting.withLock { state in
                if !state.threadRuns { return true }
                state.waiting.append(continuation)
                return false
            }
            if ended { continuation.resume() }
        }
    }

    private static func countedThrough(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT batch FROM exposure_counted") ?? 0
    }

    /// Up to `limit` batches after `mark` (a batch holds about 2,000 receivers, as the server records).
    private static func batches(after mark: Int64, limit: Int, _ db: Database) throws -> [(id: Int64, calls: Data)] {
        try Row.fetchAll(
            db, sql: "SELECT id, calls FROM exposure_batch WHERE id > ? ORDER BY id LIMIT ?", arguments: [mark, limit]
        ).map { ($0["id"], $0["calls"]) }
    }

    /// Removes the counted batches; returns how many receivers are left in the others
    /// (whoever recorded them: several stores may share the directory).
    private static func remove(through mark: Int64, _ db: Database) throws -> Int {
        try db.execute(sql: "DELETE FROM exposure_batch WHERE id <= ?", arguments: [mark])
        return try uncounted(db)
    }

    /// Read at every recording: it sums `exposure_batch_receivers`, whose few pages stay
    /// cached, where the table would be read a page per batch.
    static let uncountedSQL = "SELECT coalesce(sum(receivers), 0) FROM exposure_batch"

    private static func uncounted(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: uncountedSQL) ?? 0
    }

    /// The receivers of the batches past `mark`: those left when the counted ones are not
    /// removed yet.
    private static func uncounted(after mark: Int64, _ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT coalesce(sum(receivers), 0) FROM exposure_batch WHERE id > ?", arguments: [mark]) ?? 0
    }

    /// Counts the batches after the counted mark and moves the mark past them, in one
    /// transaction (immediate: two counters never read the same mark); returns the mark.
    /// A batch counted by another counter meanwhile (a read's, another process's) is
    /// skipped.
    private static func count(_ batches: [(id: Int64, calls: Data)], _ db: Database) throws -> Int64 {
        var mark: Int64 = 0
        try db.inTransaction(.immediate) {
            mark = try countedThrough(db)
            let new = batches.filter { $0.id > mark }
            guard let last = new.last else { return .commit }
            var calls: [CallExposures] = []
            for batch in new {
                do {
                    calls += try ExposureBatch.decode(batch.calls)
                } catch let error as ExposureBatchError {
                    throw ExposureBatchError(offset: error.offset, problem: "batch \(batch.id): \(error.problem)")
                }
            }
            try count(calls, db)
            try db.execute(sql: "UPDATE exposure_counted SET batch = ?", arguments: [last.id])
            mark = last.id
            return .commit
        }
        return mark
    }

    /// Adds `calls` to the push rows, the receivers' rows and the arms' counters.
    private static func count(_ calls: [CallExposures], _ db: Database) throws {
        let rows = calls.pushGroups
        guard !rows.isEmpty else { return }
        var tally = ExposureTally()
        var newReceivers: [ExposureTally.ArmKey: Int] = [:]
        // A push's exposed receivers go in one statement, as a JSON array of their ids,
        // instead of one statement per receiver: the binding and stepping of a statement is
        // paid a few dozen times a batch, not thousands. The count of those already stored,
        // taken first, tells how many are new to the arm (a receiver is in a push once:
        // `pushGroups`).
        let known = try db.cachedStatement(
            sql: """
                SELECT count(*) FROM json_each(?) AS added CROSS JOIN experiment_receiver AS stored
                ON stored.experiment = ? AND stored.receiver = added.value AND stored.variant = ?
                """)
        let receivers = try db.cachedStatement(
            sql: """
                INSERT INTO experiment_receiver (experiment, receiver, variant, pushes, latest_push_id, latest_time)
                SELECT ?, value, ?, 1, ?, ? FROM json_each(?) WHERE true
                ON CONFLICT DO UPDATE SET pushes = pushes + 1,
                    latest_push_id = CASE WHEN excluded.latest_time >= latest_time THEN excluded.latest_push_id ELSE latest_push_id END,
                    latest_time = max(latest_time, excluded.latest_time)
                """)
        // Pushes this batch found unrecorded: their further rows (another variant or
        // status of the same call's answer) need not look again, `pushGroups` having
        // given each receiver once per push.
        var unrecorded = Set<PushKey>()
        var json: [UInt8] = []
        for row in rows {
            let new: PushExposure
            if unrecorded.contains(PushKey(pushId: row.pushId, experiment: row.experiment)) {
                try Self.append(row, db)
                new = row
            } else if let inserted = try Self.insert(row, db, unrecorded: &unrecorded) {
                new = inserted
            } else {
                continue
            }
            tally.addToArm(new)
            guard case .exposed = new.status else { continue }
            json.removeAll(keepingCapacity: true)
            JSONEncoding.write(strings: new.receivers, into: &json)
            let list = String(decoding: json, as: UTF8.self)
            let stored = try Int.fetchOne(known, arguments: [list, new.experiment, new.variant]) ?? 0
            try receivers.execute(arguments: [new.experiment, new.variant, new.pushId, new.time, list])
            newReceivers[ExposureTally.ArmKey(experiment: new.experiment, variant: new.variant), default: 0] += new.receivers.count - stored
        }
        let arm = try db.cachedStatement(
            sql: """
                INSERT INTO experiment_arm (experiment, variant, pushes, receivers, not_exposed, overridden) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO UPDATE SET pushes = pushes + excluded.pushes, receivers = receivers + excluded.receivers,
                    not_exposed = not_exposed + excluded.not_exposed, overridden = overridden + excluded.overridden
                """)
        for (key, added) in tally.arms {
            try arm.execute(arguments: [key.experiment, key.variant, added.pushes, newReceivers[key, default: 0], added.notExposed, added.overridden])
        }
    }

    /// Stores `row`'s receivers that this push did not reach in this experiment before;
    /// returns the row of those (nil when there are none). A push found with no row yet
    /// joins `unrecorded`.
    private static func insert(_ row: PushExposure, _ db: Database, unrecorded: inout Set<PushKey>) throws -> PushExposure? {
        // Asked first without reading the rows: a push is almost always new.
        let known = try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM experiment_push WHERE push_id = ? AND experiment = ?)"),
            arguments: [row.pushId, row.experiment]) ?? false
        let stored = known
            ? try Row.fetchAll(
                db.cachedStatement(sql: "SELECT variant, status, receivers FROM experiment_push WHERE push_id = ? AND experiment = ?"),
                arguments: [row.pushId, row.experiment])
            : []
        var new = row
        if stored.isEmpty {
            unrecorded.insert(PushKey(pushId: row.pushId, experiment: row.experiment))
        } else {
            // Rare: the same push recorded again (a batch retried, a call's id reused).
            let known = Set(stored.flatMap { PushExposure.receivers(joined: $0["receivers"]) })
            new.receivers.removeAll { known.contains($0) }
            guard !new.receivers.isEmpty else { return nil }
            if stored.contains(where: { $0["variant"] == row.variant && $0["status"] == row.status.rawValue }) {
                try db.cachedStatement(
                    sql: """
                        UPDATE experiment_push SET receivers = receivers || char(10) || ?, receiver_count = receiver_count + ?
                        WHERE push_id = ? AND experiment = ? AND variant = ? AND status = ?
                        """
                ).execute(arguments: [new.joinedReceivers, new.receivers.count, row.pushId, row.experiment, row.variant, row.status.rawValue])
                return new
            }
        }
        try append(new, db)
        return new
    }

    /// Stores `row` as a new row.
    private static func append(_ row: PushExposure, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO experiment_push (push_id, experiment, variant, status, time, receivers, receiver_count, conversation_unit)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            row.pushId, row.experiment, row.variant, row.status.rawValue, row.time, row.joinedReceivers, row.receivers.count, row.conversationUnit,
        ])
    }

    private struct PushKey: Hashable {
        var pushId: String
        var experiment: String
    }

    public func recordOpens(_ events: [OpenEvent], windows: [String: Double]) async throws -> [OpenEventOutcome] {
        guard !events.isEmpty else { return [] }
        try await countRecorded()
        return try await database.write { db in
            try events.map { event in try Self.record(event, windows: windows, db) }
        }
    }

    private static func record(_ event: OpenEvent, windows: [String: Double], _ db: Database) throws -> OpenEventOutcome {
        guard let pushId = try pushId(of: event, windows: windows, db) else { return .unknownPush }
        let pushed = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT experiment, variant, status, time, receivers FROM experiment_push WHERE push_id = ?"),
            arguments: [pushId]
        ).map { row in
            PushExposure(
                pushId: pushId, experiment: row["experiment"], variant: row["variant"],
                status: ExposureStatus(rawValue: row["status"]) ?? .notExposed, time: row["time"], receivers: PushExposure.receivers(joined: row["receivers"]))
        }
        let receiver: String
        let exposures: [ExposedPush]
        switch OpenEventMatch.target(of: event, pushId: pushId, pushed: pushed) {
        case .ignored(let outcome): return outcome
        case .opened(_, let opener, let opened): (receiver, exposures) = (opener, opened)
        }
        let (outcome, counted) = OpenEventMatch.outcome(at: event.time, of: exposures, windows: windows)
        try db.cachedStatement(sql: "INSERT INTO experiment_event (push_id, receiver, time, outcome) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .execute(arguments: [pushId, receiver, event.time, outcome.rawValue])
        guard db.changesCount > 0 else { return .duplicate }
        for exposure in counted {
            try db.cachedStatement(sql: "INSERT INTO experiment_open (experiment, push_time, push_id, receiver, variant) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [exposure.experiment, exposure.time, pushId, receiver, exposure.variant])
            let opens = try Int.fetchOne(
                db.cachedStatement(
                    sql: "UPDATE experiment_receiver SET opens = opens + 1 WHERE experiment = ? AND receiver = ? AND variant = ? RETURNING opens"),
                arguments: [exposure.experiment, receiver, exposure.variant])
            try db.cachedStatement(sql: "UPDATE experiment_arm SET opens = opens + 1, openers = openers + ? WHERE experiment = ? AND variant = ?")
                .execute(arguments: [opens == 1 ? 1 : 0, exposure.experiment, exposure.variant])
        }
        return outcome
    }

    /// The push an event names, or the receiver's latest exposed push of the event's
    /// experiment (and variant) at or before it: the receiver's row holds the latest;
    /// when that came after the event, the pushes within the window before it are
    /// searched.
    private static func pushId(of event: OpenEvent, windows: [String: Double], _ db: Database) throws -> String? {
        if let pushId = event.pushId { return pushId }
        guard let receiver = event.receiver, let experiment = event.experiment else { return nil }
        let latest = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT latest_push_id, latest_time FROM experiment_receiver
                    WHERE experiment = ? AND receiver = ? AND (? IS NULL OR variant = ?)
                    """),
            arguments: [experiment, receiver, event.variant, event.variant]
        ).map { (pushId: $0["latest_push_id"] as String, time: $0["latest_time"] as Double) }
        guard !latest.isEmpty else { return nil }
        if latest.allSatisfy({ $0.time <= event.time }) { return latest.max { $0.time < $1.time }?.pushId }
        return try String.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT push_id FROM experiment_push
                    WHERE experiment = ? AND time <= ? AND time >= ? AND status = 'exposed' AND (? IS NULL OR variant = ?)
                        AND instr(char(10) || receivers || char(10), char(10) || ? || char(10)) > 0
                    ORDER BY time DESC LIMIT 1
                    """),
            arguments: [
                experiment, event.time, event.time - windows[experiment, default: OpenEventMatch.defaultWindow], event.variant, event.variant,
                receiver,
            ])
    }

    public func armCounts(experiment: String, since: Double?) async throws -> [ArmCounts] {
        try await countRecorded()
        return try await database.read { db in
            guard let since else {
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT variant, pushes, receivers, opens, openers, not_exposed, overridden
                        FROM experiment_arm WHERE experiment = ? ORDER BY variant
                        """,
                    arguments: [experiment]
                ).map { row in
                    ArmCounts(
                        variant: row["variant"], pushes: row["pushes"], receivers: row["receivers"], opens: row["opens"], openers: row["openers"],
                        notExposed: row["not_exposed"], overridden: row["overridden"])
                }
            }
            // Every push since then, its receivers counted in memory: slower than the counters.
            var counts = ArmCountsSince()
            let pushes = try Row.fetchCursor(
                db, sql: "SELECT variant, status, receiver_count, receivers FROM experiment_push WHERE experiment = ? AND time >= ?",
                arguments: [experiment, since])
            while let row = try pushes.next() {
                counts.add(
                    variant: row["variant"], status: ExposureStatus(rawValue: row["status"]) ?? .notExposed, count: row["receiver_count"],
                    receivers: row["receivers"])
            }
            let opens = try Row.fetchCursor(
                db, sql: "SELECT variant, receiver FROM experiment_open WHERE experiment = ? AND push_time >= ?", arguments: [experiment, since])
            while let row = try opens.next() { counts.addOpen(variant: row["variant"], receiver: row["receiver"]) }
            return counts.arms
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
