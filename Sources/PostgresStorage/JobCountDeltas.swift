/// The jobs per provider, state and lease holder, for the queue's stats (a count over a
/// million jobs took seconds): each statement that writes jobs appends its changes to
/// `job_count_delta` (statement triggers over the transition tables), and the stats sum
/// them. Appends take no lock another instance's writes wait for, as updating shared
/// counter rows would; the heartbeat folds the rows into one per key, so the sum stays
/// small. `holder` is the instance holding a leased job's lease, empty for every other
/// state.
enum JobCountDeltas {
    private static func holder(_ table: String) -> String {
        "CASE WHEN \(table).state = 'leased' THEN coalesce(\(table).leased_by, '') ELSE '' END"
    }

    /// A trigger function appending `sign` × the jobs of each transition table.
    private static func function(_ name: String, _ tables: [(table: String, sign: Int)]) -> String {
        let changes = tables.map { "SELECT provider, state, \(holder($0.table)) AS holder, \($0.sign) AS delta FROM \($0.table)" }
        return """
            CREATE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO job_count_delta (provider, state, holder, delta)
                SELECT provider, state, holder, SUM(delta) FROM (\(changes.joined(separator: " UNION ALL "))) AS changes
                GROUP BY provider, state, holder HAVING SUM(delta) <> 0;
                RETURN NULL;
            END $$
            """
    }

    static let schema = [
        "CREATE TABLE job_count_delta (provider text NOT NULL, state text NOT NULL, holder text NOT NULL, delta bigint NOT NULL)",
        "INSERT INTO job_count_delta (provider, state, holder, delta) SELECT provider, state, \(holder("job")), COUNT(*) FROM job GROUP BY 1, 2, 3",
        function("job_count_inserted", [("new_jobs", 1)]),
        function("job_count_deleted", [("old_jobs", -1)]),
        function("job_count_updated", [("old_jobs", -1), ("new_jobs", 1)]),
        "CREATE TRIGGER job_count_insert AFTER INSERT ON job REFERENCING NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION job_count_inserted()",
        "CREATE TRIGGER job_count_delete AFTER DELETE ON job REFERENCING OLD TABLE AS old_jobs FOR EACH STATEMENT EXECUTE FUNCTION job_count_deleted()",
        """
        CREATE TRIGGER job_count_update AFTER UPDATE ON job REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
        FOR EACH STATEMENT EXECUTE FUNCTION job_count_updated()
        """,
        "CREATE INDEX job_ready_by_age ON job (queued_at) WHERE state = 'ready'",
    ]

    /// The counts: the deltas summed per key, only the keys with jobs.
    static let sum = "SELECT provider, state, holder, SUM(delta)::bigint FROM job_count_delta GROUP BY 1, 2, 3 HAVING SUM(delta) > 0"

    /// Replaces the rows with one per key (none for a key at zero). Rows another
    /// transaction appends meanwhile are not in this statement's snapshot: they stay.
    static let fold = """
        WITH folded AS (DELETE FROM job_count_delta RETURNING provider, state, holder, delta)
        INSERT INTO job_count_delta (provider, state, holder, delta)
        SELECT provider, state, holder, SUM(delta) FROM folded GROUP BY 1, 2, 3 HAVING SUM(delta) <> 0
        """
}
