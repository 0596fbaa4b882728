import Experiments
import Logging
import PostgresNIO
import Storage

/// `ExperimentStore` on the shared database: every instance records into the same
/// tables, so the report counts them all. A push is one row per experiment, variant and
/// status holding its receivers; exposed receivers and variants have counters, updated in
/// the batch's transaction. A batch of exposures or of open events is a few statements
/// whatever its size (arrays bound as parameters and `unnest`ed); rows
/// that several instances may write at once are written in key order, so concurrent
/// batches wait for each other instead of deadlocking. A change of an override is
/// announced to the other instances in its transaction.
public struct PostgresExperimentStore: ExperimentStore {
    private let database: PostgresDatabase
    private let instanceId: String

    /// Batches are counted in the transaction that records them.
    public var uncountedReceivers: Int { 0 }

    public init(database: PostgresDatabase, instanceId: String) {
        self.database = database
        self.instanceId = instanceId
    }

    private var logger: Logger { database.logger }

    /// One transaction: the rows of these pushes stored before (rare: a batch retried),
    /// the new push rows, then the exposed receivers' rows and the variants' counters in
    /// one statement.
    /// The advisory lock space of exposure batches (the key within it: the experiment).
    static let experimentLockSpace: Int32 = 0x7063_6578  // "pcex"

    /// Exposure batches and counted opens of one experiment, from any instance, take
    /// turns: each touches the same push, receiver and arm rows over several statements, in
    /// orders no single statement can fix (an `UPDATE … FROM` locks in join order), and two
    /// interleaved ones deadlocked — PostgreSQL then failed one (the concurrent conformance
    /// check). Locks are taken in name order, so two batches never wait on each other crosswise.
    private static func takeTurns(in experiments: [String], _ connection: PostgresConnection, logger: Logger) async throws {
        for experiment in Set(experiments).sorted() {
            try await connection.rows("SELECT pg_advisory_xact_lock(\(experimentLockSpace), hashtext(\(experiment)))", logger: logger)
        }
    }

    public func recordExposures(_ calls: [CallExposures]) async throws {
        let rows = calls.pushGroups
        guard !rows.isEmpty else { return }
        let logger = logger
        try await database.transaction { connection in
            try await Self.takeTurns(in: rows.map(\.experiment), connection, logger: logger)
            let (fresh, appended) = try await Self.newReceivers(of: rows, connection, logger: logger)
            let inserted = fresh.isEmpty ? [] : try await Self.insert(fresh, connection, logger: logger)
            var tally = ExposureTally()
            for row in fresh where inserted.contains(PushRowKey(row)) { tally.add(row) }
            for row in appended { tally.add(row) }
            guard !tally.arms.isEmpty else { return }
            let receivers = tally.sortedReceivers
            let arms = tally.sortedArms
            try await connection.rows(
                """
                WITH receiver AS (
                    INSERT INTO experiment_receiver (experiment, receiver, variant, pushes, latest_push_id, latest_time)
                    SELECT * FROM unnest(\(receivers.map(\.key.experiment))::text[], \(receivers.map(\.key.receiver))::text[],
                        \(receivers.map(\.key.variant))::text[], \(receivers.map(\.value.pushes))::bigint[],
                        \(receivers.map(\.value.latestPushId))::text[], \(receivers.map(\.value.latestTime))::float8[])
                        AS r (experiment, receiver, variant, pushes, latest_push_id, latest_time)
                    ORDER BY experiment, receiver, variant
                    ON CONFLICT (experiment, receiver, variant) DO UPDATE SET pushes = experiment_receiver.pushes + excluded.pushes,
                        latest_push_id = CASE WHEN excluded.latest_time >= experiment_receiver.latest_time
                            THEN excluded.latest_push_id ELSE experiment_receiver.latest_push_id END,
                        latest_time = greatest(experiment_receiver.latest_time, excluded.latest_time)
                    RETURNING experiment, variant, xmax = 0 AS new),
                first AS (SELECT experiment, variant, count(*) FILTER (WHERE new) AS receivers FROM receiver GROUP BY experiment, variant)
                INSERT INTO experiment_arm (experiment, variant, pushes, receivers, not_exposed, overridden)
                SELECT a.experiment, a.variant, a.pushes, coalesce(f.receivers, 0), a.not_exposed, a.overridden
                FROM unnest(\(arms.map(\.key.experiment))::text[], \(arms.map(\.key.variant))::text[], \(arms.map(\.value.pushes))::bigint[],
                    \(arms.map(\.value.notExposed))::bigint[], \(arms.map(\.value.overridden))::bigint[])
                    AS a (experiment, variant, pushes, not_exposed, overridden)
                LEFT JOIN first f ON f.experiment = a.experiment AND f.variant = a.variant
                ORDER BY a.experiment, a.variant
                ON CONFLICT (experiment, variant) DO UPDATE SET pushes = experiment_arm.pushes + excluded.pushes,
                    receivers = experiment_arm.receivers + excluded.receivers, not_exposed = experiment_arm.not_exposed + excluded.not_exposed,
                    overridden = experiment_arm.overridden + excluded.overridden
                """, logger: logger)
        }
    }

    /// `rows` without the receivers their push reached in their experiment before (rows
    /// left empty dropped): those to insert, and those whose stored row gained them here.
    private static func newReceivers(
        of rows: [PushExposure], _ connection: PostgresConnection, logger: Logger
    ) async throws -> (fresh: [PushExposure], appended: [PushExposure]) {
        var known: [PushExperiment: Set<String>] = [:]
        var storedKeys = Set<PushRowKey>()
        for row in try await connection.rows(
            """
            SELECT p.push_id, p.experiment, p.variant, p.status, p.receivers FROM experiment_push p
            JOIN unnest(\(rows.map(\.pushId))::text[], \(rows.map(\.experiment))::text[]) AS n (push_id, experiment)
                ON p.push_id = n.push_id AND p.experiment = n.experiment
            """, logger: logger)
        {
            let (pushId, experiment, variant, status, receivers) = try row.decode((String, String, String, String, String).self)
            known[PushExperiment(pushId: pushId, experiment: experiment), default: []].formUnion(PushExposure.receivers(joined: receivers))
            storedKeys.insert(PushRowKey(pushId: pushId, experiment: experiment, variant: variant, status: status))
        }
        guard !known.isEmpty else { return (rows, []) }
        var new: [PushExposure] = []
        var appended: [PushExposure] = []
        for var row in rows {
            if let seen = known[PushExperiment(pushId: row.pushId, experiment: row.experiment)] { row.receivers.removeAll { seen.contains($0) } }
            guard !row.receivers.isEmpty else { continue }
            if storedKeys.contains(PushRowKey(row)) { appended.append(row) } else { new.append(row) }
        }
        for row in appended {
            try await connection.rows(
                """
                UPDATE experiment_push SET receivers = receivers || E'\\n' || \(row.joinedReceivers), receiver_count = receiver_count + \(row.receivers.count)
                WHERE push_id = \(row.pushId) AND experiment = \(row.experiment) AND variant = \(row.variant) AND status = \(row.status.rawValue)
                """, logger: logger)
        }
        return (new, appended)
    }

    /// Inserts the rows; returns the keys of those inserted, so that a row another
    /// instance stored at the same moment is not counted twice.
    private static func insert(_ rows: [PushExposure], _ connection: PostgresConnection, logger: Logger) async throws -> Set<PushRowKey> {
        var stored = Set(rows.map(PushRowKey.init))
        let missing = try await connection.rows(
            """
            WITH new (push_id, experiment, variant, status, time, receivers, receiver_count, conversation_unit) AS (
                SELECT * FROM unnest(\(rows.map(\.pushId))::text[], \(rows.map(\.experiment))::text[], \(rows.map(\.variant))::text[],
                    \(rows.map(\.status.rawValue))::text[], \(rows.map(\.time))::float8[], \(rows.map(\.joinedReceivers))::text[],
                    \(rows.map(\.receivers.count))::integer[], \(rows.map { $0.conversationUnit ?? "" })::text[])),
            inserted AS (
                -- '' stands for "each receiver": arrays of text cannot hold a missing unit here.
                INSERT INTO experiment_push (push_id, experiment, variant, status, time, receivers, receiver_count, conversation_unit)
                SELECT push_id, experiment, variant, status, time, receivers, receiver_count, nullif(conversation_unit, '') FROM new ORDER BY push_id, experiment, variant, status
                ON CONFLICT DO NOTHING RETURNING push_id, experiment, variant, status)
            SELECT push_id, experiment, variant, status FROM new
            EXCEPT SELECT push_id, experiment, variant, status FROM inserted
            """, logger: logger)
        for row in missing {
            let (pushId, experiment, variant, status) = try row.decode((String, String, String, String).self)
            stored.remove(PushRowKey(pushId: pushId, experiment: experiment, variant: variant, status: status))
        }
        return stored
    }

    /// A push in one experiment.
    private struct PushExperiment: Hashable {
        var pushId: String
        var experiment: String
    }

    /// One row of `experiment_push`.
    private struct PushRowKey: Hashable {
        var pushId: String
        var experiment: String
        var variant: String
        var status: String

        init(pushId: String, experiment: String, variant: String, status: String) {
            self.pushId = pushId
            self.experiment = experiment
            self.variant = variant
            self.status = status
        }

        init(_ row: PushExposure) {
            self.init(pushId: row.pushId, experiment: row.experiment, variant: row.variant, status: row.status.rawValue)
        }
    }

    /// One transaction: the pushes of events without a push id, the rows of every push
    /// named, the events (those stored before are duplicates), and the opens they count.
    public func recordOpens(_ events: [OpenEvent], windows: [String: Double]) async throws -> [OpenEventOutcome] {
        guard !events.isEmpty else { return [] }
        let logger = logger
        return try await database.transaction { connection in
            let resolved = try await Self.latestPushes(of: events, windows: windows, connection, logger: logger)
            let pushIds = events.indices.map { events[$0].pushId ?? resolved[$0] }
            let pushed = try await Self.pushRows(Set(pushIds.compactMap { $0 }), connection, logger: logger)
            var outcomes = [OpenEventOutcome](repeating: .unknownPush, count: events.count)
            var opens: [PendingOpen] = []
            var keys = Set<EventKey>()
            for (index, event) in events.enumerated() {
                guard let pushId = pushIds[index] else { continue }
                switch OpenEventMatch.target(of: event, pushId: pushId, pushed: pushed[pushId] ?? []) {
                case .ignored(let outcome):
                    outcomes[index] = outcome
                case .opened(_, let receiver, let exposures):
                    let key = EventKey(pushId: pushId, receiver: receiver)
                    guard keys.insert(key).inserted else {
                        outcomes[index] = .duplicate
                        continue
                    }
                    let (outcome, counted) = OpenEventMatch.outcome(at: event.time, of: exposures, windows: windows)
                    outcomes[index] = outcome
                    opens.append(PendingOpen(index: index, key: key, time: event.time, outcome: outcome, counted: counted))
                }
            }
            guard !opens.isEmpty else { return outcomes }
            let stored = try await Self.storeEvents(opens, connection, logger: logger)
            var counted: [ExposedPush] = []
            for open in opens {
                guard stored.contains(open.key) else {
                    outcomes[open.index] = .duplicate
                    continue
                }
                counted += open.counted
            }
            if !counted.isEmpty { try await Self.countOpens(counted, connection, logger: logger) }
            return outcomes
        }
    }

    /// Keeps the opens by their push's time, and adds them to the receivers' rows and
    /// the variants' counters (a receiver's first open makes an opener).
    private static func countOpens(_ counted: [ExposedPush], _ connection: PostgresConnection, logger: Logger) async throws {
        try await takeTurns(in: counted.map(\.experiment), connection, logger: logger)
        try await connection.rows(
            """
            WITH o (push_id, receiver, experiment, variant, push_time) AS (
                SELECT * FROM unnest(\(counted.map(\.pushId))::text[], \(counted.map(\.receiver))::text[], \(counted.map(\.experiment))::text[],
                    \(counted.map(\.variant))::text[], \(counted.map(\.time))::float8[])),
            kept AS (
                INSERT INTO experiment_open (experiment, push_time, push_id, receiver, variant)
                SELECT experiment, push_time, push_id, receiver, variant FROM o ON CONFLICT DO NOTHING),
            added AS (SELECT experiment, receiver, variant, count(*) AS opens FROM o GROUP BY experiment, receiver, variant),
            receiver AS (
                UPDATE experiment_receiver r SET opens = r.opens + a.opens FROM added a
                WHERE r.experiment = a.experiment AND r.receiver = a.receiver AND r.variant = a.variant
                RETURNING r.experiment, r.variant, r.opens, a.opens AS added)
            INSERT INTO experiment_arm (experiment, variant, opens, openers)
            SELECT experiment, variant, sum(added), count(*) FILTER (WHERE opens = added) FROM receiver
            GROUP BY experiment, variant ORDER BY experiment, variant
            ON CONFLICT (experiment, variant) DO UPDATE SET opens = experiment_arm.opens + excluded.opens,
                openers = experiment_arm.openers + excluded.openers
            """, logger: logger)
    }

    /// The (push id, receiver) an open is stored under.
    private struct EventKey: Hashable {
        var pushId: String
        var receiver: String
    }

    /// An event matched to its exposures, to be stored.
    private struct PendingOpen {
        var index: Int
        var key: EventKey
        var time: Double
        var outcome: OpenEventOutcome
        var counted: [ExposedPush]
    }

    /// Per event without a push id (and with a receiver and an experiment): the
    /// receiver's latest exposed push of that experiment (and variant) at or before it,
    /// from the receiver's rows; when one came after the event, from the pushes within
    /// the window before it.
    private static func latestPushes(
        of events: [OpenEvent], windows: [String: Double], _ connection: PostgresConnection, logger: Logger
    ) async throws -> [Int: String] {
        let searches = events.indices.filter { events[$0].pushId == nil && events[$0].receiver != nil && events[$0].experiment != nil }
        guard !searches.isEmpty else { return [:] }
        // Arrays of text cannot hold a missing variant here: '' stands for "any".
        let rows = try await connection.rows(
            """
            SELECT e.ord, r.latest_push_id, r.latest_time
            FROM unnest(\(searches)::bigint[], \(searches.map { events[$0].receiver! })::text[], \(searches.map { events[$0].experiment! })::text[],
                \(searches.map { events[$0].variant ?? "" })::text[]) AS e (ord, receiver, experiment, variant)
            JOIN experiment_receiver r ON r.experiment = e.experiment AND r.receiver = e.receiver AND (e.variant = '' OR r.variant = e.variant)
            """, logger: logger)
        var latest: [Int: [(pushId: String, time: Double)]] = [:]
        for row in rows {
            let (index, pushId, time) = try row.decode((Int, String, Double).self)
            latest[index, default: []].append((pushId, time))
        }
        var pushes: [Int: String] = [:]
        var late: [Int] = []
        for (index, candidates) in latest {
            if candidates.allSatisfy({ $0.time <= events[index].time }) {
                pushes[index] = candidates.max { $0.time < $1.time }?.pushId
            } else {
                late.append(index)
            }
        }
        guard !late.isEmpty else { return pushes }
        for row in try await connection.rows(
            """
            SELECT e.ord, p.push_id
            FROM unnest(\(late)::bigint[], \(late.map { events[$0].receiver! })::text[], \(late.map { events[$0].experiment! })::text[],
                \(late.map { events[$0].variant ?? "" })::text[], \(late.map { events[$0].time })::float8[],
                \(late.map { events[$0].time - windows[events[$0].experiment!, default: OpenEventMatch.defaultWindow] })::float8[])
                AS e (ord, receiver, experiment, variant, time, earliest)
            CROSS JOIN LATERAL (
                SELECT push_id FROM experiment_push p
                WHERE p.experiment = e.experiment AND p.time <= e.time AND p.time >= e.earliest AND p.status = 'exposed'
                    AND (e.variant = '' OR p.variant = e.variant) AND e.receiver = ANY(string_to_array(p.receivers, E'\\n'))
                ORDER BY p.time DESC LIMIT 1) p
            """, logger: logger)
        {
            let (index, pushId) = try row.decode((Int, String).self)
            pushes[index] = pushId
        }
        return pushes
    }

    /// Every row of these push ids.
    private static func pushRows(_ pushIds: Set<String>, _ connection: PostgresConnection, logger: Logger) async throws -> [String: [PushExposure]] {
        guard !pushIds.isEmpty else { return [:] }
        var pushed: [String: [PushExposure]] = [:]
        for row in try await connection.rows(
            "SELECT push_id, experiment, variant, status, time, receivers FROM experiment_push WHERE push_id = ANY(\(Array(pushIds))::text[])",
            logger: logger)
        {
            let (pushId, experiment, variant, status, time, receivers) = try row.decode((String, String, String, String, Double, String).self)
            pushed[pushId, default: []].append(
                PushExposure(
                    pushId: pushId, experiment: experiment, variant: variant, status: ExposureStatus(rawValue: status) ?? .notExposed, time: time,
                    receivers: PushExposure.receivers(joined: receivers)))
        }
        return pushed
    }

    /// Stores the events not stored before (in key order); returns their keys.
    private static func storeEvents(_ opens: [PendingOpen], _ connection: PostgresConnection, logger: Logger) async throws -> Set<EventKey> {
        var stored = Set<EventKey>()
        for row in try await connection.rows(
            """
            INSERT INTO experiment_event (push_id, receiver, time, outcome)
            SELECT * FROM unnest(\(opens.map(\.key.pushId))::text[], \(opens.map(\.key.receiver))::text[], \(opens.map(\.time))::float8[],
                \(opens.map(\.outcome.rawValue))::text[]) AS e (push_id, receiver, time, outcome)
            ORDER BY push_id, receiver
            ON CONFLICT DO NOTHING
            RETURNING push_id, receiver
            """, logger: logger)
        {
            let (pushId, receiver) = try row.decode((String, String).self)
            stored.insert(EventKey(pushId: pushId, receiver: receiver))
        }
        return stored
    }

    public func armCounts(experiment: String, since: Double?) async throws -> [ArmCounts] {
        guard let since else {
            return try await database.rows(
                """
                SELECT variant, pushes, receivers, opens, openers, not_exposed, overridden
                FROM experiment_arm WHERE experiment = \(experiment) ORDER BY variant
                """
            ).map { row in
                let (variant, pushes, receivers, opens, openers, notExposed, overridden) = try row.decode((String, Int, Int, Int, Int, Int, Int).self)
                return ArmCounts(
                    variant: variant, pushes: pushes, receivers: receivers, opens: opens, openers: openers, notExposed: notExposed,
                    overridden: overridden)
            }
        }
        // Every push since then, its receivers counted in memory: slower than the counters.
        var counts = ArmCountsSince()
        for row in try await database.rows(
            "SELECT variant, status, receiver_count, receivers FROM experiment_push WHERE experiment = \(experiment) AND time >= \(since)")
        {
            let (variant, status, count, receivers) = try row.decode((String, String, Int, String).self)
            counts.add(variant: variant, status: ExposureStatus(rawValue: status) ?? .notExposed, count: count, receivers: receivers)
        }
        for row in try await database.rows(
            "SELECT variant, receiver FROM experiment_open WHERE experiment = \(experiment) AND push_time >= \(since)")
        {
            let (variant, receiver) = try row.decode((String, String).self)
            counts.addOpen(variant: variant, receiver: receiver)
        }
        return counts.arms
    }

    public func setOverride(_ override: ExperimentOverride) async throws {
        let message = ClusterMessage.state(.experimentOverride(experiment: override.experiment, unit: override.unit), from: instanceId)
        let logger = logger
        try await database.transaction { connection in
            try await connection.rows(
                """
                INSERT INTO experiment_override (experiment, unit, variant, created_at)
                VALUES (\(override.experiment), \(override.unit), \(override.variant), \(override.createdAt))
                ON CONFLICT (experiment, unit) DO UPDATE SET variant = excluded.variant, created_at = excluded.created_at
                """, logger: logger)
            try await connection.rows("SELECT pg_notify(\(ClusterMessage.stateChannel), \(message))", logger: logger)
        }
    }

    /// Announced only when there was one: nothing changed otherwise.
    public func removeOverride(experiment: String, unit: String) async throws -> Bool {
        let message = ClusterMessage.state(.experimentOverride(experiment: experiment, unit: unit), from: instanceId)
        let logger = logger
        return try await database.transaction { connection in
            let removed = try await connection.rows(
                "DELETE FROM experiment_override WHERE experiment = \(experiment) AND unit = \(unit) RETURNING unit", logger: logger)
            guard !removed.isEmpty else { return false }
            try await connection.rows("SELECT pg_notify(\(ClusterMessage.stateChannel), \(message))", logger: logger)
            return true
        }
    }

    public func overrides(experiment: String?) async throws -> [ExperimentOverride] {
        let rows = try await database.rows(
            """
            SELECT experiment, unit, variant, created_at FROM experiment_override
            WHERE \(experiment)::text IS NULL OR experiment = \(experiment) ORDER BY experiment, unit
            """)
        return try rows.map { row in
            let (experiment, unit, variant, createdAt) = try row.decode((String, String, String, Double).self)
            return ExperimentOverride(experiment: experiment, unit: unit, variant: variant, createdAt: createdAt)
        }
    }

    /// Two statements, not one: a row another instance committed while the insert
    /// waited is seen only by a statement that starts after it.
    public func saveWeights(_ update: WeightUpdate) async throws -> WeightUpdate {
        let weights = try StoredWeights.encode(update.weights)
        let inserted = try await database.rows(
            """
            INSERT INTO experiment_weights (experiment, time, weights) VALUES (\(update.experiment), \(update.time), \(weights))
            ON CONFLICT DO NOTHING RETURNING weights
            """)
        if !inserted.isEmpty { return update }
        let stored = try await database.rows(
            "SELECT weights FROM experiment_weights WHERE experiment = \(update.experiment) AND time = \(update.time)")
        guard let text = try stored.first?.decode(String.self) else {
            throw PostgresStorageError(description: "the weights of \(update.experiment) at \(update.time) were neither stored nor found")
        }
        return WeightUpdate(experiment: update.experiment, time: update.time, weights: try StoredWeights.decode(text))
    }

    public func weightHistory(experiment: String) async throws -> [WeightUpdate] {
        try await database.rows("SELECT time, weights FROM experiment_weights WHERE experiment = \(experiment) ORDER BY time").map { row in
            let (time, weights) = try row.decode((Double, String).self)
            return WeightUpdate(experiment: experiment, time: time, weights: try StoredWeights.decode(weights))
        }
    }
}
