import Foundation
import HummingbirdTesting
@testable import Server
import XCTest

/// `pushcompose ab list|report|override` (the built executable) over the data directory
/// a real server wrote: the same numbers as the admin API.
final class ExperimentCLITests: XCTestCase {
    private static let name = ExperimentFixture.name

    /// Runs `pushcompose ab …` on `data` and `templates`.
    private static func ab(_ arguments: [String], data: String, templates: String) throws -> CLITests.Run {
        try CLITests.run(["ab"] + arguments + ["--data", data, "--templates", templates])
    }

    func testReportAndListPrintWhatTheAPIAnswers() async throws {
        let configuration = try experimentConfiguration()
        let (data, templates) = (configuration.data, configuration.templates)
        let apiReport: JSON = try await withServer(configuration) { server in
            var calls: [String] = []
            for index in 0..<8 {
                let (_, record) = try await server.experimentCall(conversation: "ab-\(index)", to: ["u\(index)-a", "u\(index)-b"])
                calls.append(try XCTUnwrap(record["call"]?.stringValue))
            }
            _ = try await server.acceptedOpenEvents(
                [0, 1, 2, 5].map { ["type": "opened", "pushId": calls[$0], "receiver": "u\($0)-a"] as [String: Any] })
            return try await server.experimentReport()
        }

        let text = try Self.ab(["report", Self.name], data: data, templates: templates)
        XCTAssertEqual(text.status, 0, text.stdout + text.stderr)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("experiment \(Self.name) (unit: conversation)") == true, text.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("variant") && $0.contains("receivers") && $0.contains("p(Holm)") }, text.stdout)
        XCTAssertEqual(lines.last, "verdict: " + (apiReport["verdictText"]?.stringValue ?? "?"), text.stdout)
        // Each arm's row: receivers, pushes, opens, openers, as the API counts them.
        for (variant, label) in [("plain", "plain (control)"), ("emoji", "emoji")] {
            let row = try XCTUnwrap(lines.first { $0.hasPrefix(label + " ") }, "no row for \(label) in\n\(text.stdout)")
            let numbers = row.dropFirst(label.count).split(separator: " ").prefix(4).map { Int($0) }
            let arm = try XCTUnwrap(apiReport.arm(variant))
            XCTAssertEqual(numbers, ["receivers", "pushes", "opens", "openers"].map { arm.int($0) }, row)
        }

        let json = try Self.ab(["report", Self.name, "--json"], data: data, templates: templates)
        XCTAssertEqual(json.status, 0, json.stdout + json.stderr)
        let cliReport = try decodeJSON(json.stdout)
        for key in ["experiment", "unit", "minimumSample", "verdictText", "notExposed", "overridden", "analysis", "correction"] {
            XCTAssertEqual(cliReport[key], apiReport[key], key)
        }
        let counts = ["variant", "isControl", "receivers", "pushes", "opens", "openers", "notExposed", "overridden", "openRate", "pValue"]
        let cliArms = try XCTUnwrap(cliReport["arms"]?.arrayValue)
        let apiArms = try XCTUnwrap(apiReport["arms"]?.arrayValue)
        XCTAssertEqual(cliArms.count, 2)
        for (cli, api) in zip(cliArms, apiArms) {
            for key in counts { XCTAssertEqual(cli[key], api[key], "\(key) of \(api["variant"] ?? .null)") }
        }
        XCTAssertEqual(apiArms.reduce(0) { $0 + ($1.int("opens") ?? 0) }, 4)

        let since = try Self.ab(["report", Self.name, "--since", "1d", "--json"], data: data, templates: templates)
        XCTAssertEqual(since.status, 0, since.stdout + since.stderr)
        XCTAssertEqual(try decodeJSON(since.stdout)["arms"]?.arrayValue?.map { $0.int("opens") }, apiArms.map { $0.int("opens") })
        let badSince = try Self.ab(["report", Self.name, "--since", "yesterday"], data: data, templates: templates)
        XCTAssertNotEqual(badSince.status, 0)
        XCTAssertTrue(badSince.stderr.contains("--since must be"), badSince.stderr)
        let unknown = try Self.ab(["report", "nope"], data: data, templates: templates)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("no experiment 'nope' in the templates (they declare: \(Self.name))"), unknown.stderr)

        let list = try Self.ab(["list"], data: data, templates: templates)
        XCTAssertEqual(list.status, 0, list.stdout + list.stderr)
        let row = try XCTUnwrap(list.stdout.split(separator: "\n").first { $0.hasPrefix(Self.name) }, list.stdout)
        for part in ["greeting", "conversation", "running"] { XCTAssertTrue(row.contains(part), "\(part) in \(row)") }
        let receivers = apiArms.map { "\($0["variant"]?.stringValue ?? "") \($0.int("receivers") ?? -1)" }.joined(separator: ", ")
        XCTAssertTrue(row.contains(receivers), "\(receivers) in \(row)")
        let listJSON = try Self.ab(["list", "--json"], data: data, templates: templates)
        XCTAssertEqual(listJSON.status, 0, listJSON.stderr)
        let listed = try XCTUnwrap(try decodeJSON(listJSON.stdout)["experiments"]?.arrayValue)
        XCTAssertEqual(listed.compactMap { $0["name"]?.stringValue }, [Self.name])
        XCTAssertEqual(listed.first?["variants"]?.arrayValue?.map { $0.int("receivers") }, apiArms.map { $0.int("receivers") })
    }

    /// An override set from the command line is read by a server that starts afterwards;
    /// `--remove` takes it away; a variant the experiment lacks is refused.
    func testAnOverrideFromTheCommandLineHoldsForAServerStartedAfterwards() async throws {
        let configuration = try experimentConfiguration()
        let (data, templates) = (configuration.data, configuration.templates)
        // The server creates the store; the command then writes into it.
        try await withServer(configuration) { _ in }
        let conversation = "ab-11"
        let forced = ExperimentFixture.other(than: ExperimentFixture.hashedVariant(of: conversation))

        let bad = try Self.ab(["override", Self.name, conversation, "bold"], data: data, templates: templates)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("plain, emoji"), bad.stderr)
        let set = try Self.ab(["override", Self.name, conversation, forced], data: data, templates: templates)
        XCTAssertEqual(set.status, 0, set.stdout + set.stderr)
        XCTAssertTrue(set.stdout.contains("\(conversation) gets variant \(forced)"), set.stdout)

        try await withServer(configuration) { server in
            let (result, record) = try await server.experimentCall(conversation: conversation, to: ["Jerry"])
            XCTAssertEqual(try pushMessage(of: result)["_pc"]?["v"], .string(forced))
            XCTAssertEqual(record.exposureEntries.first?["status"], .string("overridden"))
        }

        let removed = try Self.ab(["override", Self.name, conversation, "--remove"], data: data, templates: templates)
        XCTAssertEqual(removed.status, 0, removed.stdout + removed.stderr)
        XCTAssertTrue(removed.stdout.contains("removed the override of \(conversation)"), removed.stdout)
        let again = try Self.ab(["override", Self.name, conversation, "--remove"], data: data, templates: templates)
        XCTAssertTrue(again.stdout.contains("\(conversation) had no override"), again.stdout)
    }

    func testWithoutAStoreTheCommandSaysWhere() throws {
        let empty = try makeTemporaryDirectory()
        let run = try Self.ab(["list"], data: empty.path, templates: try experimentTemplates().path)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("no experiments in \(empty.path)"), run.stderr)
    }
}
