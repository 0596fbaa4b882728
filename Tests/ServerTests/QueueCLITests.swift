import AuditLog
import Delivery
import Foundation
import SQLiteStorage
@testable import Server
import XCTest

/// `pushcompose queue …`, the built executable on a data directory prepared with the
/// SQLite queue, as serve leaves it.
final class QueueCLITests: XCTestCase {
    struct Prepared {
        var data: URL
        var queue: SQLiteDeliveryQueue
        /// Ready since an hour ago.
        var webhookReady: [Int64]
        /// Dead two days ago, an hour ago (with a two-line reason), two days ago.
        var platformDead: [Int64]
    }

    private func prepare() async throws -> Prepared {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let queue = SQLiteDeliveryQueue(database: try SQLiteDeliveryDatabase(directory: data))
        let now = Date()
        func push(_ id: String, _ provider: ProviderKind, tokens: [String]) -> NewPush {
            NewPush(
                pushId: id, hookCallId: "call-\(id)", receiver: "Jerry", conversation: "conv-1", template: "default",
                payload: .object([(key: "alert", value: .string("hi"))]), incrementsBadge: true,
                devices: tokens.map { DeviceAddress(provider: provider, token: $0) })
        }
        let webhook = try await queue.enqueue([push("push-w", .webhook, tokens: ["w1", "w2"])], now: now.addingTimeInterval(-3600))
        let tomorrow = now.addingTimeInterval(86_400)
        let platform = try await queue.enqueue([push("push-p", .platform, tokens: ["p1", "p2", "p3"])], now: tomorrow)
        let claimed = try await queue.claim(provider: .platform, limit: 3, leaseDuration: .seconds(60), now: tomorrow)
        let deaths: [(Int?, String, Date)] = [
            (nil, "connection refused", now.addingTimeInterval(-2 * 86_400)),
            (400, "BadDeviceToken\nsecond line", now.addingTimeInterval(-3600)),
            (403, "forbidden", now.addingTimeInterval(-2 * 86_400)),
        ]
        for (job, (status, reason, at)) in zip(claimed, deaths) {
            let dead = try await queue.deadLetter(try XCTUnwrap(job.lease), status: status, reason: reason, now: at)
            XCTAssertTrue(dead)
        }
        return Prepared(data: data, queue: queue, webhookReady: webhook[0].jobIds, platformDead: platform[0].jobIds)
    }

    private static func queue(_ arguments: [String], data: URL? = nil, in directory: URL? = nil) throws -> CLITests.Run {
        try CLITests.run(["queue"] + arguments + (data.map { ["--data", $0.path] } ?? []), in: directory)
    }

    /// The table's rows, each split into its cells.
    private static func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    }

    private static func ids(_ run: CLITests.Run) throws -> [Int64] {
        try (decodeJSON(run.stdout)["jobs"]?.arrayValue ?? []).compactMap { $0["id"]?.numberValue.map(Int64.init) }
    }

    func testStatsPrintsCountsPerProviderAndTheOldestReadyAge() async throws {
        let prepared = try await prepare()
        let table = try Self.queue(["stats"], data: prepared.data)
        XCTAssertEqual(table.status, 0, table.stderr)
        let rows = Self.rows(table.stdout)
        XCTAssertEqual(rows.first, ["PROVIDER", "READY", "LEASED", "DEAD", "DELIVERED", "DEVICE", "GONE"])
        XCTAssertTrue(rows.contains(["webhook", "2", "0", "0", "0", "0"]), table.stdout)
        XCTAssertTrue(rows.contains(["platform", "0", "0", "3", "0", "0"]), table.stdout)
        XCTAssertTrue(rows.contains(["apns", "0", "0", "0", "0", "0"]), table.stdout)
        let age = try XCTUnwrap(rows.first { $0.first == "oldest" }.flatMap { $0.last }.flatMap { Int($0.dropLast()) }, table.stdout)
        XCTAssertEqual(rows.last?.first, "INSTANCE", "no instance has worked this queue: \(table.stdout)")
        XCTAssertGreaterThanOrEqual(age, 3600, table.stdout)

        let json = try Self.queue(["stats", "--json"], data: prepared.data)
        XCTAssertEqual(json.status, 0, json.stderr)
        let stats = try decodeJSON(json.stdout)
        XCTAssertEqual(stats["providers"]?["webhook"], try decodeJSON(#"{"ready":2,"leased":0,"dead":0,"delivered":0,"deviceGone":0}"#))
        XCTAssertEqual(stats["providers"]?["platform"]?["dead"], .number(3))
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(stats["oldestReadyAgeSeconds"]?.numberValue), 3600)
    }

    func testListFiltersAndPages() async throws {
        let prepared = try await prepare()
        let dead = try Self.queue(["list", "--state", "dead", "--json"], data: prepared.data)
        XCTAssertEqual(dead.status, 0, dead.stderr)
        XCTAssertEqual(try Self.ids(dead), prepared.platformDead)
        XCTAssertEqual(try decodeJSON(dead.stdout)["jobs"]?[1]?["lastReason"], .string("BadDeviceToken\nsecond line"))
        let webhook = try Self.queue(["list", "--provider", "webhook", "--json"], data: prepared.data)
        XCTAssertEqual(try Self.ids(webhook), prepared.webhookReady)

        // A table row per job, each on one line even when a reason holds a newline.
        let table = try Self.queue(["list", "--state", "dead"], data: prepared.data)
        XCTAssertEqual(table.status, 0, table.stderr)
        let rows = Self.rows(table.stdout)
        XCTAssertEqual(rows.count, 4, table.stdout)
        XCTAssertEqual(rows[0].prefix(4), ["ID", "STATE", "PROVIDER", "RECEIVER"])
        XCTAssertEqual(rows[2].prefix(5), [String(prepared.platformDead[1]), "dead", "platform", "Jerry", "1"])
        XCTAssertEqual(rows[2].suffix(4), ["400", "BadDeviceToken", "second", "line"])

        let firstPage = try Self.queue(["list", "--limit", "2"], data: prepared.data)
        XCTAssertEqual(Self.rows(firstPage.stdout).count, 4, firstPage.stdout)  // header, two jobs, the cursor
        XCTAssertTrue(firstPage.stdout.hasSuffix("more: --after \(prepared.webhookReady[1])\n"), firstPage.stdout)
        let secondPage = try Self.queue(["list", "--limit", "2", "--after", String(prepared.webhookReady[1]), "--json"], data: prepared.data)
        XCTAssertEqual(try Self.ids(secondPage), Array(prepared.platformDead.prefix(2)))
        XCTAssertEqual(try decodeJSON(secondPage.stdout)["next"], .number(Double(prepared.platformDead[1])))

        for arguments in [["list", "--state", "gone"], ["list", "--provider", "pigeon"], ["list", "--limit", "0"], ["list", "--limit", "1001"]] {
            let refused = try Self.queue(arguments, data: prepared.data)
            XCTAssertEqual(refused.status, 64, "\(arguments): \(refused.stdout)")
            XCTAssertTrue(refused.stderr.contains("Error:"), refused.stderr)
        }
    }

    func testRetryRequeuesOneOrEveryDeadJob() async throws {
        let prepared = try await prepare()
        let one = try Self.queue(["retry", String(prepared.platformDead[1])], data: prepared.data)
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(one.stdout, "retried 1\n")
        let job = try await prepared.queue.job(id: prepared.platformDead[1])
        XCTAssertEqual(job?.state, .ready)
        XCTAssertEqual(job?.attempts, 0)

        let missing = try Self.queue(["retry", "987654"], data: prepared.data)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no dead job with id 987654"), missing.stderr)
        let notDead = try Self.queue(["retry", String(prepared.webhookReady[0])], data: prepared.data)
        XCTAssertEqual(notDead.status, 1)

        let webhook = try Self.queue(["retry", "--all-dead", "--provider", "webhook", "--json"], data: prepared.data)
        XCTAssertEqual(webhook.stdout, "{\"retried\":0}\n")
        let all = try Self.queue(["retry", "--all-dead"], data: prepared.data)
        XCTAssertEqual(all.stdout, "retried 2\n")
        let stats = try await prepared.queue.stats(now: Date())
        XCTAssertEqual(stats.counts(.platform), QueueStats.Counts(ready: 3))

        for arguments in [["retry"], ["retry", "5", "--all-dead"], ["retry", "5", "--provider", "webhook"]] {
            let refused = try Self.queue(arguments, data: prepared.data)
            XCTAssertEqual(refused.status, 64, "\(arguments)")
        }
        let help = try Self.queue(["--help"])
        let words = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(words.contains("at most deliveryPollSeconds later"), help.stdout)
        XCTAssertTrue(words.contains("a retry wakes the workers of every instance at once"), help.stdout)
    }

    /// What the commands change is in the audit log, as the admin API's operations are,
    /// in the commands' own chained stream (`cli`): also when several run at once.
    func testRetryAndPurgeLeaveOperationRecordsInTheCommandStream() async throws {
        let prepared = try await prepare()
        let one = try Self.queue(["retry", String(prepared.platformDead[1])], data: prepared.data)
        XCTAssertEqual(one.status, 0, one.stderr)
        let all = try Self.queue(["retry", "--all-dead", "--provider", "platform"], data: prepared.data)
        XCTAssertEqual(all.stdout, "retried 2\n")
        let missing = try Self.queue(["retry", "987654"], data: prepared.data)
        XCTAssertEqual(missing.status, 1, "nothing done, nothing recorded")
        // Four at once: they take turns on the stream, so its chain does not fork.
        let concurrent = try await withThrowingTaskGroup(of: CLITests.Run.self) { group in
            for _ in 0..<4 { group.addTask { try Self.queue(["purge", "--state", "dead", "--older-than", "30d"], data: prepared.data) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(concurrent.map(\.status), [0, 0, 0, 0], concurrent.map(\.stderr).joined())

        let audit = prepared.data.appendingPathComponent("audit")
        let streams = try AuditDirectory(url: audit).streams()
        XCTAssertEqual(Array(streams.keys), [CommandAudit.stream])
        let records = try readAuditRecords(in: audit)
        XCTAssertEqual(records.map { $0["kind"] }, Array(repeating: .string("operation"), count: 6))
        XCTAssertEqual(records.map { $0["via"] }, Array(repeating: .string("cli"), count: 6))
        XCTAssertEqual(records.map { $0["action"]?.stringValue ?? "" }, ["retryJob", "retryAllDead"] + Array(repeating: "purgeDead", count: 4))
        XCTAssertEqual(records[0]["job"], .number(Double(prepared.platformDead[1])))
        XCTAssertEqual(records[0]["push"], .string("push-p"))
        XCTAssertEqual(records[0]["receiver"], .string("Jerry"))
        XCTAssertEqual(records[1]["provider"], .string("platform"))
        XCTAssertEqual(records[1]["count"], .number(2))
        XCTAssertEqual(records[2]["olderThan"], .string("30d"))
        let verified = try CLITests.run(["audit", "verify", "--data", prepared.data.path])
        XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
        let found = try CLITests.run(["audit", "find", "--data", prepared.data.path, "--kind", "operation"])
        XCTAssertTrue(found.stdout.contains("retryJob via cli job \(prepared.platformDead[1]) platform count 1"), found.stdout)
        XCTAssertTrue(found.stdout.contains("retryAllDead via cli platform count 2"), found.stdout)
        XCTAssertTrue(found.stdout.contains("purgeDead via cli count 0"), found.stdout)
        let latest = try CLITests.run(["audit", "find", "--data", prepared.data.path, "--kind", "operation", "--newest-first", "--limit", "1"])
        XCTAssertTrue(latest.stdout.contains("purgeDead via cli count 0"), latest.stdout)
        XCTAssertFalse(latest.stdout.contains("retryJob"), latest.stdout)
        XCTAssertTrue(latest.stderr.contains("more records match: the latest 1 are shown"), latest.stderr)
    }

    /// The change is made before its record is written: a record that cannot be written
    /// is said, with the change's own output, and the exit status is 1.
    func testARecordThatCannotBeWrittenIsSaid() async throws {
        let prepared = try await prepare()
        // Where the audit folder would be, a file: nothing can be written there.
        try Data("not a folder".utf8).write(to: prepared.data.appendingPathComponent("audit"))
        let run = try Self.queue(["retry", "--all-dead"], data: prepared.data)
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "retried 3\n")
        XCTAssertTrue(run.stderr.contains("pushcompose: done, but its audit record (retryAllDead) could not be written"), run.stderr)
        let stats = try await prepared.queue.stats(now: Date())
        XCTAssertEqual(stats.counts(.platform).dead, 0, "the retry itself was made")
    }

    func testPurgeDeletesDeadJobsByAge() async throws {
        let prepared = try await prepare()
        for (arguments, error) in [
            (["purge"], "Missing expected argument '--state <state>'"),
            (["purge", "--state", "ready"], "only dead jobs can be purged"),
            (["purge", "--state", "dead", "--older-than", "soon"], "--older-than must be a duration such as 30m, 24h, 7d"),
        ] {
            let refused = try Self.queue(arguments, data: prepared.data)
            XCTAssertEqual(refused.status, 64, "\(arguments)")
            XCTAssertTrue(refused.stderr.contains(error), refused.stderr)
        }
        let old = try Self.queue(["purge", "--state", "dead", "--older-than", "1d"], data: prepared.data)
        XCTAssertEqual(old.status, 0, old.stderr)
        XCTAssertEqual(old.stdout, "purged 2\n")
        let left = try await prepared.queue.jobs(matching: JobFilter(state: .dead), afterId: nil, limit: 10)
        XCTAssertEqual(left.map(\.id), [prepared.platformDead[1]])
        let rest = try Self.queue(["purge", "--state", "dead", "--json"], data: prepared.data)
        XCTAssertEqual(rest.stdout, "{\"purged\":1}\n")
        let ready = try await prepared.queue.stats(now: Date()).counts(.webhook).ready
        XCTAssertEqual(ready, 2, "only dead jobs go")
    }

    func testTheQueueIsFoundAsServeFindsItAndNeverCreated() async throws {
        let prepared = try await prepare()
        // The configuration file's data directory, as serve reads it.
        let config = prepared.data.deletingLastPathComponent().appendingPathComponent("pushcompose.yaml")
        try "data: \(prepared.data.path)\n".write(to: config, atomically: true, encoding: .utf8)
        let configured = try Self.queue(["stats", "--json", "--config", config.path])
        XCTAssertEqual(configured.status, 0, configured.stderr)
        XCTAssertEqual(try decodeJSON(configured.stdout)["providers"]?["platform"]?["dead"], .number(3))
        // serve's default, ./data.
        let defaulted = try Self.queue(["stats", "--json"], in: prepared.data.deletingLastPathComponent())
        XCTAssertEqual(defaulted.status, 0, defaulted.stderr)
        XCTAssertEqual(try decodeJSON(defaulted.stdout)["providers"]?["webhook"]?["ready"], .number(2))

        let nowhere = try makeTemporaryDirectory().appendingPathComponent("nowhere")
        let missing = try Self.queue(["stats"], data: nowhere)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no delivery queue in \(nowhere.path)"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: nowhere.path), "nothing is created")
    }
}
