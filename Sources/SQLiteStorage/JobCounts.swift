/// The jobs per provider, state and lease holder, kept in `job_count` by triggers on
/// `job`, so that the queue's stats read a few rows whatever the queue's size (a count
/// over a million jobs took seconds). `holder` is the instance holding a leased job's
/// lease, empty for every other state. Rows may stay at zero; the heartbeat removes them.
enum JobCounts {
    /// A job row's holder (`new` or `old` in a trigger).
    private static func holder(_ row: String) -> String {
        "CASE WHEN \(row).state = 'leased' THEN coalesce(\(row).leased_by, '') ELSE '' END"
    }

    private static func add(_ row: String) -> String {
        """
        INSERT INTO job_count (provider, state, holder, count) VALUES (\(row).provider, \(row).state, \(holder(row)), 1)
            ON CONFLICT DO UPDATE SET count = count + 1;
        """
    }

    private static func remove(_ row: String) -> String {
        "UPDATE job_count SET count = count - 1 WHERE provider = \(row).provider AND state = \(row).state AND holder = \(holder(row));"
    }

    /// The counters filled from the jobs there are, their triggers, and the index of the
    /// ready jobs by age (the oldest ready job).
    static let schema = """
        CREATE TABLE job_count (
            provider TEXT NOT NULL,
            state TEXT NOT NULL,
            holder TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (provider, state, holder)
        ) WITHOUT ROWID;
        INSERT INTO job_count (provider, state, holder, count)
            SELECT provider, state, \(holder("job")), COUNT(*) FROM job GROUP BY 1, 2, 3;
        CREATE TRIGGER job_count_insert AFTER INSERT ON job BEGIN
            \(add("new"))
        END;
        CREATE TRIGGER job_count_delete AFTER DELETE ON job BEGIN
            \(remove("old"))
        END;
        CREATE TRIGGER job_count_update AFTER UPDATE OF provider, state, leased_by ON job
        WHEN old.provider IS NOT new.provider OR old.state IS NOT new.state OR old.leased_by IS NOT new.leased_by BEGIN
            \(remove("old"))
            \(add("new"))
        END;
        CREATE INDEX job_ready_by_age ON job (queued_at) WHERE state = 'ready';
        """
}
