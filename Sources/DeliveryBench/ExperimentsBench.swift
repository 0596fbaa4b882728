import Experiments
import Foundation
import Logging
import PostgresCluster
import PostgresStorage
import SQLiteStorage
import Storage

/// `experiments DIR|URL [RECEIVERS] [api|sql]`: the experiment report's cost at size.
/// Fills one experiment with RECEIVERS (default 1,000,000) receivers × 10 pushes (a day
/// apart), two variants split by receiver, and RECEIVERS counted opens (a quarter of
/// the receivers open 4 of their pushes, an hour after each); then times the report
/// (`armCounts(since: nil)`) five times, and once the report since the last day (a
/// tenth of the pushes), and checks it counts every exposure and open.
///
/// `api` fills through the store's own API, as a server writes: calls of 1 to 50
/// receivers sharing the call's push id, every receiver exposed (the most rows a call
/// makes), handed over about 2,000 exposures at a time and counted before the next
/// (SQLite counts later: a report after each batch makes it count), then open events naming push
/// and receiver in batches of 10,000; the table gives the exposures' rate in receivers
/// per second (overall and over the last tenth, the store at its fullest). `sql` makes
/// as many rows in a few SQL statements (`sqlite3`, `psql`), one push per exposure,
/// with the counters as the store keeps them, then `ANALYZE`s (and on PostgreSQL
/// `VACUUM`s, as autovacuum would after a load).
///
/// With a DIR: SQLite in DIR/sqlite, then PostgreSQL in a throw-away cluster (fsync
/// on) under DIR; with a `postgres://` URL, that (empty) database only. Prints a
/// Markdown table.
enum ExperimentsBench {
    static let experiment = "bench"
    static let pushesPerReceiver = 10
    static let day = 86_400.0
    static let start = 1_700_000_000.0

    enum Fill: String {
        case api
        case sql
    }

    static func run(_ target: String, receivers: Int, fill: Fill) async throws {
        line("| driver | fill | exposures | opens | fill (s) | report p50 (s) | report max (s) | report since last day (s) | exposures written (receivers/s) |")
        line("|---|---|---:|---:|---|---:|---:|---:|---|")
        if target.hasPrefix("postgres") {
            try await measurePostgres(url: target, receivers: receivers, fill: fill)
            return
        }
        let directory = URL(fileURLWithPath: target).appendingPathComponent("sqlite")
        let store = try SQLiteExperimentStore(directory: directory)
        let file = directory.appendingPathComponent(SQLiteExperimentStore.fileName).path
        try await measure("SQLite", store, receivers: receivers, fill: fill) { try run("sqlite3", [file], input: sqliteLoad(receivers: receivers)) }
        let cluster = try PostgresCluster(durable: true, parent: URL(fileURLWithPath: target))
        defer { cluster.stop() }
        try await measurePostgres(url: try cluster.createDatabase("experiments"), receivers: receivers, fill: fill)
    }

    private static func measurePostgres(url: String, receivers: Int, fill: Fill) async throws {
        let database = try await PostgresDatabase.open(url: try PostgresURL(url), maxConnections: 4, logger: Logger(label: "bench"))
        do {
            try await measure("PostgreSQL", PostgresExperimentStore(database: database, instanceId: "bench"), receivers: receivers, fill: fill) {
                try run("psql", [url, "-q", "-v", "ON_ERROR_STOP=1"], input: postgresLoad(receivers: receivers))
            }
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    private static func measure(
        _ driver: String, _ store: any ExperimentStore, receivers: Int, fill: Fill, load: () throws -> Void
    ) async throws {
        let fillStart = ContinuousClock.now
        let filled: String
        var rate = "–"
        switch fill {
        case .api:
            let exposures = try await fillExposures(store, receivers: receivers)
            let opens = try await fillOpens(store, receivers: receivers)
            filled = String(format: "%.0f + %.0f (opens)", exposures.seconds, opens)
            rate = String(format: "%.0f (last tenth %.0f)", exposures.receiversPerSecond, exposures.lastTenthPerSecond)
        case .sql:
            try load()
            filled = String(format: "%.0f", seconds(since: fillStart))
        }
        var times: [Double] = []
        var counts: [ArmCounts] = []
        for _ in 0..<5 {
            let started = ContinuousClock.now
            counts = try await store.armCounts(experiment: experiment, since: nil)
            times.append(seconds(since: started))
        }
        let exposures = counts.reduce(0) { $0 + $1.pushes }
        let opens = counts.reduce(0) { $0 + $1.opens }
        let expectedOpens = (receivers + 3) / 4 * 4
        guard opens == expectedOpens, exposures == receivers * pushesPerReceiver else {
            throw BenchFailure(description: "the report counts \(counts), not \(receivers * pushesPerReceiver) exposures and \(expectedOpens) opens")
        }
        let sinceStart = ContinuousClock.now
        _ = try await store.armCounts(experiment: experiment, since: start + Double(pushesPerReceiver - 1) * day)
        let since = seconds(since: sinceStart)
        times.sort()
        func f(_ value: Double) -> String { String(format: "%.3f", value) }
        line("| \(driver) | \(fill == .api ? "API" : "SQL") | \(exposures) | \(opens) | \(filled) | \(f(times[2])) | \(f(times[4])) | \(f(since)) | \(rate) |")
    }

    /// The exposure fill's rate: overall, and over its last tenth (the store at its
    /// fullest).
    struct FillRate {
        var seconds: Double
        var receiversPerSecond: Double
        var lastTenthPerSecond: Double
    }

    /// Push by push, all receivers, as calls of 1 to 50 receivers (25.5 on average) whose
    /// receivers share the call's push id, grouped per variant; handed over in batches of
    /// about 2,000 exposures, as the server's recorder does.
    private static func fillExposures(_ store: any ExperimentStore, receivers: Int) async throws -> FillRate {
        let started = ContinuousClock.now
        let total = receivers * pushesPerReceiver
        var lastTenthStart: ContinuousClock.Instant?
        var written = 0
        var batch: [CallExposures] = []
        var batchCount = 0
        func flush() async throws {
            try await store.recordExposures(batch)
            // A read counts what is recorded: the rate includes the counting that the
            // SQLite store otherwise does later, on a thread of its own.
            _ = try await store.armCounts(experiment: experiment, since: nil)
            written += batchCount
            batch.removeAll(keepingCapacity: true)
            batchCount = 0
            if lastTenthStart == nil, written >= total - total / 10 { lastTenthStart = .now }
        }
        for push in 0..<pushesPerReceiver {
            var first = 0
            while first < receivers {
                let end = min(receivers, first + callSize(first))
                let members = (first..<end).map { "user-\($0)" }
                let control = members.enumerated().filter { (first + $0.offset) % 2 == 0 }.map(\.element)
                let short = members.enumerated().filter { (first + $0.offset) % 2 == 1 }.map(\.element)
                let id = pushId(receiver: first, push: push)
                let groups = [("control", control), ("short", short)].filter { !$0.1.isEmpty }.map {
                    CallExposures.Group(variant: $0.0, status: .exposed, receivers: $0.1, pushIds: [id])
                }
                batch.append(CallExposures(experiment: experiment, conversationUnit: nil, time: time(receiver: first, push: push), groups: groups))
                batchCount += members.count
                if batchCount >= 2_000 { try await flush() }
                first = end
            }
        }
        if !batch.isEmpty { try await flush() }
        let taken = seconds(since: started)
        let lastTenth = lastTenthStart.map { seconds(since: $0) } ?? taken
        return FillRate(seconds: taken, receiversPerSecond: Double(total) / taken, lastTenthPerSecond: Double(total / 10) / lastTenth)
    }

    /// The receivers of the call starting at receiver `first`: 1 to 50, the same each push.
    private static func callSize(_ first: Int) -> Int { 1 + (first &* 37) % 50 }

    /// Returns the seconds taken: events name the call's push and the receiver.
    private static func fillOpens(_ store: any ExperimentStore, receivers: Int) async throws -> Double {
        let started = ContinuousClock.now
        var starts = [Int](repeating: 0, count: receivers)
        var first = 0
        while first < receivers {
            let end = min(receivers, first + callSize(first))
            for receiver in first..<end { starts[receiver] = first }
            first = end
        }
        var events: [OpenEvent] = []
        for push in 0..<4 {
            for receiver in stride(from: 0, to: receivers, by: 4) {
                let call = starts[receiver]
                events.append(
                    OpenEvent(pushId: pushId(receiver: call, push: push), receiver: "user-\(receiver)", time: time(receiver: call, push: push) + 3600))
                if events.count == 10_000 {
                    _ = try await store.recordOpens(events, windows: [:])
                    events.removeAll(keepingCapacity: true)
                }
            }
        }
        if !events.isEmpty { _ = try await store.recordOpens(events, windows: [:]) }
        return seconds(since: started)
    }

    /// As many rows as the API fill, each exposure its own push row (a queued push's
    /// shape, the most rows: push ids random, not the same ones), and the receivers',
    /// the variants' and the events' rows as the store makes them, in one transaction.
    private static func sqliteLoad(receivers: Int) -> String {
        """
        PRAGMA cache_size = -4000000;
        BEGIN;
        CREATE TEMP TABLE n AS
        SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' || substr(h, 21) AS push_id,
            'user-' || r AS receiver, CASE WHEN r % 2 = 0 THEN 'control' ELSE 'short' END AS variant, \(start) + k * \(day) + r % 86400 AS time,
            r % 4 = 0 AND k < 4 AS opened, k
        FROM (
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(receivers * pushesPerReceiver - 1))
            SELECT lower(hex(randomblob(16))) AS h, i % \(receivers) AS r, i / \(receivers) AS k FROM n);
        \(loadStatements(receivers: receivers))
        COMMIT;
        ANALYZE;
        """
    }

    private static func postgresLoad(receivers: Int) -> String {
        """
        BEGIN;
        CREATE TEMP TABLE n AS
        SELECT md5(random()::text || i)::uuid::text AS push_id, 'user-' || r AS receiver,
            CASE WHEN r % 2 = 0 THEN 'control' ELSE 'short' END AS variant, \(start) + k * \(day) + r % 86400 AS time,
            r % 4 = 0 AND k < 4 AS opened, k
        FROM (SELECT i, i % \(receivers) AS r, i / \(receivers) AS k FROM generate_series(0, \(receivers * pushesPerReceiver - 1)) AS i) AS n;
        \(loadStatements(receivers: receivers))
        COMMIT;
        VACUUM ANALYZE experiment_push;
        VACUUM ANALYZE experiment_receiver;
        VACUUM ANALYZE experiment_event;
        VACUUM ANALYZE experiment_open;
        """
    }

    /// From the temporary table `n` of every exposure, in either database.
    private static func loadStatements(receivers: Int) -> String {
        """
        INSERT INTO experiment_push (push_id, experiment, variant, status, time, receivers, receiver_count)
        SELECT push_id, '\(experiment)', variant, 'exposed', time, receiver, 1 FROM n ORDER BY time;
        INSERT INTO experiment_event (push_id, receiver, time, outcome) SELECT push_id, receiver, time + 3600, 'counted' FROM n WHERE opened;
        INSERT INTO experiment_open (experiment, push_time, push_id, receiver, variant)
        SELECT '\(experiment)', time, push_id, receiver, variant FROM n WHERE opened;
        INSERT INTO experiment_receiver (experiment, receiver, variant, pushes, opens, latest_push_id, latest_time)
        SELECT '\(experiment)', receiver, variant, \(pushesPerReceiver), CASE WHEN opened OR receiver IN (SELECT receiver FROM n WHERE opened) THEN 4 ELSE 0 END,
            push_id, time
        FROM n WHERE k = \(pushesPerReceiver - 1);
        INSERT INTO experiment_arm (experiment, variant, pushes, receivers, opens, openers)
        SELECT experiment, variant, sum(pushes), count(*), sum(opens), sum(CASE WHEN opens > 0 THEN 1 ELSE 0 END)
        FROM experiment_receiver GROUP BY experiment, variant;
        """
    }

    private static func run(_ program: String, _ arguments: [String], input: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let pipe = Pipe()
        process.standardInput = pipe
        try process.run()
        pipe.fileHandleForWriting.write(Data(input.utf8))
        try pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure(description: "\(program) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }

    /// Written at once: a run takes minutes, and a script shows each row as it comes.
    private static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Push `push` of a receiver: a day after the previous one, spread over the day by receiver.
    private static func time(receiver: Int, push: Int) -> Double {
        start + Double(push) * day + Double(receiver % 86_400)
    }

    /// A random-looking push id (as the server's are), the same each time it is asked for.
    private static func pushId(receiver: Int, push: Int) -> String {
        var state = UInt64(receiver * pushesPerReceiver + push) &* 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let hex = String(next(), radix: 16).leftPadded(16) + String(next(), radix: 16).leftPadded(16)
        let digits = Array(hex)
        return "\(String(digits[0..<8]))-\(String(digits[8..<12]))-\(String(digits[12..<16]))-\(String(digits[16..<20]))-\(String(digits[20..<32]))"
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
}

extension String {
    fileprivate func leftPadded(_ length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
