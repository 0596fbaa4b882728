import Foundation
import HummingbirdTesting
import PostgresCluster
@testable import Server
import XCTest

/// Two instances on one PostgreSQL database (the test process's throw-away cluster) with
/// a receiver-unit experiment: both assign each receiver the same variant, an override set
/// through one is applied by the other, and either's report counts both.
final class ExperimentClusterTests: XCTestCase {
    private static let name = ExperimentFixture.name

    private func twoInstances(_ body: @Sendable (TestServer, TestServer) async throws -> Void) async throws {
        let url = try PostgresCluster.shared().createDatabase()
        var first = try experimentConfiguration(unit: "receiver")
        first.database = url
        first.instanceId = "first"
        var second = first
        second.instanceId = "second"
        second.data = try makeTemporaryDirectory().appendingPathComponent("data").path
        try await withServer(first) { [second] a in
            try await withServer(second) { b in try await body(a, b) }
        }
    }

    /// Receiver → the variant of each exposure in an audit record.
    private static func variants(_ record: JSON) -> [String: String] {
        var variants: [String: String] = [:]
        for exposure in record.exposureEntries {
            variants[exposure["receiver"]?.stringValue ?? ""] = exposure["variant"]?.stringValue
        }
        return variants
    }

    /// The assignments `POST /v1/render` previews for Jerry, without recording anything.
    private static func previewedAssignment(_ server: TestServer, receiver: String) async throws -> JSON? {
        let response = try await server.admin(
            .post, "/v1/render", json: HookBody.receiversOffline(conversation: "ab-preview", to: [receiver], content: HookBody.text("hi")))
        XCTAssertEqual(response.status, .ok, response.text)
        return try response.json["experiment"]?["assignments"]?[0]
    }

    func testBothInstancesAssignAlikeShareOverridesAndReportEachOthersExposures() async throws {
        try await twoInstances { a, b in
            let receivers = (0..<12).map { "member-\($0)" }
            let (_, onA) = try await a.experimentCall(conversation: "ab-on-a", to: receivers)
            let (_, onB) = try await b.experimentCall(conversation: "ab-on-b", to: receivers)
            let assignedByA = Self.variants(onA), assignedByB = Self.variants(onB)
            XCTAssertEqual(Set(assignedByA.keys), Set(receivers))
            XCTAssertEqual(assignedByA, assignedByB, "each receiver gets the same variant on both instances")
            XCTAssertEqual(Set(assignedByA.values), Set(ExperimentFixture.variants), "the call splits: both variants occur")
            for receiver in receivers { XCTAssertEqual(assignedByA[receiver], ExperimentFixture.hashedVariant(of: receiver), receiver) }

            // An override set through the first instance reaches the second.
            let hashed = ExperimentFixture.hashedVariant(of: "Jerry")
            let forced = ExperimentFixture.other(than: hashed)
            let put = try await a.admin(.put, "/v1/experiments/\(Self.name)/overrides/Jerry", json: ["variant": forced])
            XCTAssertEqual(put.status, .ok, put.text)
            try await eventually("the second instance applies the override", timeout: .seconds(5)) {
                try await Self.previewedAssignment(b, receiver: "Jerry")?["variant"] == .string(forced)
            }
            let (forcedAnswer, forcedRecord) = try await b.experimentCall(conversation: "ab-jerry", to: ["Jerry"])
            XCTAssertEqual(try pushMessage(of: forcedAnswer)["_pc"]?["v"], .string(forced))
            XCTAssertEqual(forcedRecord.exposureEntries.first?["status"], .string("overridden"))
            let listed = try await b.admin(.get, "/v1/experiments/\(Self.name)/overrides")
            XCTAssertEqual(try listed.json["overrides"]?.arrayValue?.compactMap { $0["unit"]?.stringValue }, ["Jerry"], listed.text)

            let removed = try await b.admin(.delete, "/v1/experiments/\(Self.name)/overrides/Jerry")
            XCTAssertEqual(removed.status, .noContent, removed.text)
            try await eventually("the first instance drops the override", timeout: .seconds(5)) {
                try await Self.previewedAssignment(a, receiver: "Jerry")?["overridden"] == .bool(false)
            }
            let previewed = try await Self.previewedAssignment(a, receiver: "Jerry")
            XCTAssertEqual(previewed?["variant"], .string(hashed))

            // An open reported to one instance for a push the other answered counts.
            let (_, soloRecord) = try await a.experimentCall(conversation: "ab-solo", to: ["Solo"])
            let soloCall = try XCTUnwrap(soloRecord["call"]?.stringValue)
            // Events flush only the receiving instance's recorder: the first's is flushed here.
            await a.flushExposures()
            let opened = try await b.acceptedOpenEvents([["type": "opened", "pushId": soloCall]])
            XCTAssertEqual(opened["outcomes"]?.stringArray, ["counted"], "\(opened)")

            // Both reports count both instances' exposures, as their audit logs have them.
            var pushes: [String: Int] = [:], exposed: [String: Set<String>] = [:], notExposed: [String: Int] = [:], overridden: [String: Int] = [:]
            for record in try await a.hookRecords() + b.hookRecords() {
                for exposure in record.exposureEntries {
                    let variant = exposure["variant"]?.stringValue ?? "", receiver = exposure["receiver"]?.stringValue ?? ""
                    switch exposure["status"]?.stringValue {
                    case "exposed":
                        pushes[variant, default: 0] += 1
                        exposed[variant, default: []].insert(receiver)
                    case "not-exposed": notExposed[variant, default: 0] += 1
                    case "overridden": overridden[variant, default: 0] += 1
                    default: XCTFail("unknown status in \(exposure)")
                    }
                }
            }
            XCTAssertGreaterThan(notExposed.values.reduce(0, +), 0, "receivers without a device were coalesced: the test proves less")
            await b.flushExposures()
            let fromA = try await a.experimentReport()
            let fromB = try await b.experimentReport()
            for variant in ExperimentFixture.variants {
                for report in [fromA, fromB] {
                    let arm = try XCTUnwrap(report.arm(variant), "\(report)")
                    XCTAssertEqual(arm.int("pushes"), pushes[variant] ?? 0, "\(variant): \(arm)")
                    XCTAssertEqual(arm.int("receivers"), exposed[variant]?.count ?? 0, "\(variant): \(arm)")
                    XCTAssertEqual(arm.int("notExposed"), notExposed[variant] ?? 0, "\(variant): \(arm)")
                    XCTAssertEqual(arm.int("overridden"), overridden[variant] ?? 0, "\(variant): \(arm)")
                }
            }
            XCTAssertEqual(fromA["arms"]?.arrayValue?.map { $0.int("opens") }, fromB["arms"]?.arrayValue?.map { $0.int("opens") })
            XCTAssertEqual(fromA.arm(ExperimentFixture.hashedVariant(of: "Solo"))?.int("opens"), 1, "\(fromA)")
        }
    }
    /// The same opens reported to both instances at once count once: the other report of
    /// each is a duplicate, whichever instance took it.
    func testTheSameOpensReportedToBothInstancesAtOnceCountOnce() async throws {
        try await twoInstances { a, b in
            var calls: [(call: String, receiver: String)] = []
            for index in 0..<30 {
                let receiver = "solo-\(index)"
                let (_, record) = try await (index % 2 == 0 ? a : b).experimentCall(conversation: "ab-\(index)", to: [receiver])
                calls.append((try XCTUnwrap(record["call"]?.stringValue), receiver))
            }
            await a.flushExposures()
            await b.flushExposures()
            let opened = calls
            let outcomes = try await withThrowingTaskGroup(of: [String].self) { group in
                for server in [a, b] {
                    group.addTask {
                        let events: [[String: Any]] = opened.map { ["type": "opened", "pushId": $0.call, "receiver": $0.receiver] }
                        return try await server.acceptedOpenEvents(events)["outcomes"]?.stringArray ?? []
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            XCTAssertEqual(outcomes.filter { $0 == "counted" }.count, calls.count, "\(outcomes)")
            XCTAssertEqual(outcomes.filter { $0 == "duplicate" }.count, calls.count, "\(outcomes)")
            let report = try await a.experimentReport()
            let opens = report["arms"]?.arrayValue?.reduce(0) { $0 + ($1.int("opens") ?? 0) }
            XCTAssertEqual(opens, calls.count, "\(report)")
        }
    }

    /// `pushcompose ab` on the shared database (no `--data`): an override it sets is
    /// announced to the running instances, and its report has the API's numbers.
    func testTheCommandLineWorksOnTheSharedDatabase() async throws {
        let url = try PostgresCluster.shared().createDatabase()
        var configuration = try experimentConfiguration(unit: "receiver")
        configuration.database = url
        configuration.instanceId = "only"
        let templates = configuration.templates
        try await withServer(configuration) { server in
            let forced = ExperimentFixture.other(than: ExperimentFixture.hashedVariant(of: "Jerry"))
            let set = try await Self.ab(["override", Self.name, "Jerry", forced, "--templates", templates], database: url)
            XCTAssertEqual(set.status, 0, set.stdout + set.stderr)
            try await eventually("the server applies the override set from the command line", timeout: .seconds(5)) {
                try await Self.previewedAssignment(server, receiver: "Jerry")?["variant"] == .string(forced)
            }

            for index in 0..<4 { _ = try await server.experimentCall(conversation: "ab-\(index)", to: ["Tom-\(index)", "Jerry"]) }
            let apiReport = try await server.experimentReport()
            let report = try await Self.ab(["report", Self.name, "--json", "--templates", templates], database: url)
            XCTAssertEqual(report.status, 0, report.stdout + report.stderr)
            let cliReport = try decodeJSON(report.stdout)
            let keys = ["variant", "receivers", "pushes", "notExposed", "overridden"]
            XCTAssertEqual(
                cliReport["arms"]?.arrayValue?.map { arm in keys.map { arm[$0] } }, apiReport["arms"]?.arrayValue?.map { arm in keys.map { arm[$0] } })
            XCTAssertEqual(cliReport.int("overridden"), 4, report.stdout)
        }
    }

    /// Runs `pushcompose ab …` with the database's URL in its environment, off the
    /// cooperative pool (the servers under test share it).
    private static func ab(_ arguments: [String], database: String) async throws -> CLITests.Run {
        let executable = try CLITests.executable()
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = executable
                    process.arguments = ["ab"] + arguments
                    process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "PUSHCOMPOSE_DATABASE_URL": database]
                    let stdout = Pipe(), stderr = Pipe()
                    process.standardOutput = stdout
                    process.standardError = stderr
                    try process.run()
                    let out = stdout.fileHandleForReading.readDataToEndOfFile()
                    let err = stderr.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: CLITests.Run(
                        status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
