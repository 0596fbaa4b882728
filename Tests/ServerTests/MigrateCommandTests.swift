import Foundation
import PostgresCluster
@testable import Server
import XCTest

/// `pushcompose migrate`: applies the schema to an empty PostgreSQL database once, says
/// so, and finds nothing to do the second time; `queue stats` then reads the database.
final class MigrateCommandTests: XCTestCase {
    func testMigrateAppliesTheSchemaOnceAndTheQueueCommandsReadIt() throws {
        let url = try PostgresCluster.shared().createDatabase()
        let first = try CLITests.run(["migrate", "--database", url])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, "applied 1 directory, mutes, devices, badges, jobs, instances\napplied 2 experiments: pushes, arms, receivers, events, opens, overrides, weights\napplied 3 job counts, oldest ready\n")
        let second = try CLITests.run(["migrate", "--database", url])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stdout, "the database is up to date\n")

        let config = try makeTemporaryDirectory().appendingPathComponent("pushcompose.yaml")
        try "database: \(url)\n".write(to: config, atomically: true, encoding: .utf8)
        let stats = try CLITests.run(["queue", "stats", "--config", config.path, "--json"])
        XCTAssertEqual(stats.status, 0, stats.stderr)
        XCTAssertTrue(stats.stdout.contains(#""instances":[]"#), stats.stdout)
    }

    func testWithoutADatabaseItSaysWhatIsMissing() throws {
        let run = try CLITests.run(["migrate"], in: try makeTemporaryDirectory())
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("no PostgreSQL database is configured"), run.stderr)
        let bad = try CLITests.run(["migrate", "--database", "postgres://nobody:hunter2@127.0.0.1:1/x?sslmode=disable"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("migrating postgres://nobody:***@127.0.0.1:1/x"), bad.stderr)
        XCTAssertFalse(bad.stderr.contains("hunter2"), "the password is never printed")
    }
}
