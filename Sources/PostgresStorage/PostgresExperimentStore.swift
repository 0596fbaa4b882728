import Experiments
import Logging
import PostgresNIO
import Storage

/// `ExperimentStore` on the shared database: every instance records into the same
/// tables, so the report counts them all. A batch of exposures or of open events is a
/// few statements whatever its size (arrays bound as parameters and `unnest`ed); rows
/// that several instances may write at once are written in key order, so concurrent
/// batches wait for each other instead of deadlocking. A change of an override is
/// announced to the other instances in its transaction.
public struct PostgresExperimentStore: ExperimentStore {
    private let database: PostgresDatabase
    private let instanceId: String

    public init(database: PostgresDatabase, instanceId: String) {
        self.database = database
        self.instanceId = instanceId
    }

    private var logger: Logger { database.logger }

    /// One statement: the exposures, then the receivers' rows for those actually new.
    public func recordExposures(_ exposures: [ExperimentExposure]) async throws {
        guard !exposures.isEmpty else { return }
        try await database.rows(
            """
            WITH new (push_id, receiver, experiment, variant, unit, time, status) AS (
                SELECT * FROM unnest(\(exposures.map(\.pushId))::text[], \(exposures.map(\.receiver))::text[],
                    \(exposures.map(\.experiment))::text[], \(exposures.map(\.variant))::text[], \(exposures.map(\.unit))::text[],
                    \(exposures.map(\.time))::float8[], \(exposures.map(\.status.rawValue))::text[])),
            inserted AS (
                INSERT INTO experiment_exposure (push_id, receiver, experiment, variant, unit, time, status)
                SELECT * FROM new ORDER BY push_id, receiver, experiment
                ON CONFLICT DO NOTHING
                RETURNING experiment, variant, receiver, status)
            INSERT INTO experiment_receiver (experiment, variant, receiver, pushes, not_exposed, overridden)
            SELECT experiment, variant, receiver, count(*) FILTER (WHERE status = 'exposed'),
                count(*) FILTER (WHERE status = 'not-exposed'), count(*) FILTER (WHERE status = 'overridden')
            FROM inserted GROUP BY experiment, variant, receiver ORDER BY experiment, variant, receiver
            ON CONFLICT (experiment, variant, receiver) DO UPDATE SET pushes = experiment_receiver.pushes + excluded.pushes,
                not_exposed = experiment_receiver.not_exposed + excluded.not_exposed,
                overridden = experiment_receiver.overridden + excluded.overridden
            """)
    }

    /// One transaction of four statements: the pushes of events without a push id, the
    /// exposures of every push named, the events (those stored before are duplicates),
    /// and the opens they count.
    public func recordOpens(_ events: [OpenEvent], windows: [String: Double]) async throws -> [OpenEventOutcome] {
        guard !events.isEmpty else { return [] }
        let logger = logger
        return try await database.transaction { connection in
            let resolved = try await Self.latestPushes(of: events, connection, logger: logger)
            let pushIds = events.indices.map { events[$0].pushId ?? resolved[$0] }
            let exposed = try await Self.exposedPushes(Set(pushIds.compactMap { $0 }), connection, logger: logger)
            var outcomes = [OpenEventOutcome](repeating: .unknownPush, count: events.count)
            var opens: [PendingOpen] = []
            var keys = Set<EventKey>()
            for (index, event) in events.enumerated() {
                guard let pushId = pushIds[index] else { continue }
                switch OpenEventMatch.target(of: event, pushId: pushId, exposed: exposed[pushId] ?? []) {
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
            var counted: [(key: EventKey, experiment: String, time: Double)] = []
            for open in opens {
                guard stored.contains(open.key) else {
                    outcomes[open.index] = .duplicate
                    continue
                }
                counted += open.counted.map { (open.key, $0.experiment, open.time) }
            }
            if !counted.isEmpty {
                try await connection.rows(
                    """
                    WITH opened AS (
                        UPDATE experiment_exposure x SET opened_at = o.time
                        FROM unnest(\(counted.map(\.key.pushId))::text[], \(counted.map(\.key.receiver))::text[],
                            \(counted.map(\.experiment))::text[], \(counted.map(\.time))::float8[]) AS o (push_id, receiver, experiment, time)
                        WHERE x.push_id = o.push_id AND x.receiver = o.receiver AND x.experiment = o.experiment
                        RETURNING x.experiment, x.variant, x.receiver)
                    INSERT INTO experiment_receiver (experiment, variant, receiver, opens)
                    SELECT experiment, variant, receiver, count(*) FROM opened
                    GROUP BY experiment, variant, receiver ORDER BY experiment, variant, receiver
                    ON CONFLICT (experiment, variant, receiver) DO UPDATE SET opens = experiment_receiver.opens + excluded.opens
                    """, logger: logger)
            }
            return outcomes
        }
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
    /// receiver's latest exposed push of that experiment (and variant) at or before it.
    private static func latestPushes(of events: [OpenEvent], _ connection: PostgresConnection, logger: Logger) async throws -> [Int: String] {
        let searches = events.indices.filter { events[$0].pushId == nil && events[$0].receiver != nil && events[$0].experiment != nil }
        guard !searches.isEmpty else { return [:] }
        // Arrays of text cannot hold a missing variant here: '' stands for "any".
        let rows = try await connection.rows(
            """
            SELECT e.ord, x.push_id
            FROM unnest(\(searches)::bigint[], \(searches.map { events[$0].receiver! })::text[], \(searches.map { events[$0].experiment! })::text[],
                \(searches.map { events[$0].variant ?? "" })::text[], \(searches.map { events[$0].time })::float8[])
                AS e (ord, receiver, experiment, variant, time)
            CROSS JOIN LATERAL (
                SELECT push_id FROM experiment_exposure x
                WHERE x.receiver = e.receiver AND x.experiment = e.experiment AND x.status = 'exposed' AND x.time <= e.time
                    AND (e.variant = '' OR x.variant = e.variant)
                ORDER BY x.time DESC LIMIT 1) x
            """, logger: logger)
        var pushes: [Int: String] = [:]
        for row in rows {
            let (index, pushId) = try row.decode((Int, String).self)
            pushes[index] = pushId
        }
        return pushes
    }

    /// The exposed pushes of these push ids, to every receiver.
    private static func exposedPushes(_ pushIds: Set<String>, _ connection: PostgresConnection, logger: Logger) async throws -> [String: [ExposedPush]] {
        guard !pushIds.isEmpty else { return [:] }
        var exposed: [String: [ExposedPush]] = [:]
        for row in try await connection.rows(
            """
            SELECT push_id, receiver, experiment, variant, time FROM experiment_exposure
            WHERE push_id = ANY(\(Array(pushIds))::text[]) AND status = 'exposed'
            """, logger: logger)
        {
            let (pushId, receiver, experiment, variant, time) = try row.decode((String, String, String, String, Double).self)
            exposed[pushId, default: []].append(ExposedPush(pushId: pushId, receiver: receiver, experiment: experiment, variant: variant, time: time))
        }
        return exposed
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
        let rows: [PostgresRow]
        if let since {
            // Every exposure since then: slower than the receivers' rows, which have no time.
            rows = try await database.rows(
                """
                SELECT variant, count(*) FILTER (WHERE status = 'exposed'), count(DISTINCT receiver) FILTER (WHERE status = 'exposed'),
                    count(opened_at), count(DISTINCT receiver) FILTER (WHERE opened_at IS NOT NULL),
                    count(*) FILTER (WHERE status = 'not-exposed'), count(*) FILTER (WHERE status = 'overridden')
                FROM experiment_exposure WHERE experiment = \(experiment) AND time >= \(since)
                GROUP BY variant ORDER BY variant
                """)
        } else {
            rows = try await database.rows(
                """
                SELECT variant, sum(pushes)::bigint, count(*) FILTER (WHERE pushes > 0), sum(opens)::bigint, count(*) FILTER (WHERE opens > 0),
                    sum(not_exposed)::bigint, sum(overridden)::bigint
                FROM experiment_receiver WHERE experiment = \(experiment)
                GROUP BY variant ORDER BY variant
                """)
        }
        return try rows.map { row in
            let (variant, pushes, receivers, opens, openers, notExposed, overridden) = try row.decode((String, Int, Int, Int, Int, Int, Int).self)
            return ArmCounts(
                variant: variant, pushes: pushes, receivers: receivers, opens: opens, openers: openers, notExposed: notExposed,
                overridden: overridden)
        }
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
