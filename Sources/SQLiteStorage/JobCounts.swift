import Delivery
import GRDB

/// The jobs per provider, state and lease holder, kept in `job_count` by the queue's
/// writes, so that its stats read a few rows whatever the queue's size (a count over a
/// million jobs took seconds). `holder` is the instance holding a leased job's lease,
/// empty for every other state. Rows may stay at zero; the heartbeat removes them.
enum JobCounts {
    /// The counters filled from the jobs there are, and the index of the ready jobs by
    /// age (the oldest ready job). An earlier development build kept the counters with
    /// triggers, which cost a sixth of the queue's throughput: those are dropped.
    static let schema = """
        DROP TRIGGER IF EXISTS job_count_insert;
        DROP TRIGGER IF EXISTS job_count_delete;
        DROP TRIGGER IF EXISTS job_count_update;
        DROP TABLE IF EXISTS job_count;
        DROP INDEX IF EXISTS job_ready_by_age;
        CREATE TABLE job_count (
            provider TEXT NOT NULL,
            state TEXT NOT NULL,
            holder TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (provider, state, holder)
        ) WITHOUT ROWID;
        INSERT INTO job_count (provider, state, holder, count)
            SELECT provider, state, CASE WHEN state = 'leased' THEN coalesce(leased_by, '') ELSE '' END, COUNT(*) FROM job GROUP BY 1, 2, 3;
        CREATE INDEX job_ready_by_age ON job (queued_at) WHERE state = 'ready';
        """
}

/// A write's changes to `job_count`, added up and stored once per key in the write's
/// transaction: a few statements per batch instead of one per job.
struct JobCountChanges {
    private struct Key: Hashable {
        var provider: String
        var state: String
        var holder: String
    }

    private var changes: [Key: Int] = [:]

    /// `count` jobs (negative: fewer) of `provider` in `state`; `holder` counts only for leased jobs.
    mutating func add(_ count: Int, provider: String, state: String, holder: String? = nil) {
        let leased = state == JobState.leased.rawValue
        changes[Key(provider: provider, state: state, holder: leased ? holder ?? "" : ""), default: 0] += count
    }

    func store(in db: Database) throws {
        let upsert = try db.cachedStatement(
            sql: "INSERT INTO job_count (provider, state, holder, count) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count")
        for (key, count) in changes where count != 0 {
            try upsert.execute(arguments: [key.provider, key.state, key.holder, count])
        }
    }
}
