import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Server
import XCTest

/// The experiments' HTTP API on the real server: `POST /v1/events` behind its own token,
/// `/v1/experiments` (list, report, overrides) behind the admin token.
final class ExperimentAPITests: XCTestCase {
    private static let name = ExperimentFixture.name
    private static var opened: [String: Any] { ["type": "opened", "pushId": "no-such-push"] }

    private static func errorMessage(_ response: TestResponse) throws -> String {
        try XCTUnwrap(try response.json["error"]?.stringValue, response.text)
    }

    // MARK: - Tokens

    func testTheEventsAPIAndTheAdminAPIEachTakeOnlyTheirOwnToken() async throws {
        try await withServer(try experimentConfiguration()) { server in
            for (label, headers) in [("no token", HTTPFields()), ("a wrong token", Header.bearer("wrong-token")), ("the admin token", Header.admin)] {
                let response = try await server.openEvents(Self.opened, headers: headers)
                XCTAssertEqual(response.status, .unauthorized, "\(label): \(response.text)")
            }
            let accepted = try await server.openEvents(Self.opened)
            XCTAssertEqual(accepted.status, .ok, accepted.text)
            XCTAssertEqual(try accepted.json.int("unknownPush"), 1, accepted.text)

            let eventsToken = Header.bearer(ExperimentFixture.eventsToken)
            for (method, path) in [
                (HTTPRequest.Method.get, "/v1/experiments"), (.get, "/v1/experiments/\(Self.name)/report"),
                (.get, "/v1/experiments/\(Self.name)/overrides"), (.delete, "/v1/experiments/\(Self.name)/overrides/ab-1"),
            ] {
                let refused = try await server.admin(method, path, headers: eventsToken)
                XCTAssertEqual(refused.status, .unauthorized, "\(method) \(path) with the events token: \(refused.text)")
            }
            let put = try await server.admin(.put, "/v1/experiments/\(Self.name)/overrides/ab-1", json: ["variant": "emoji"], headers: eventsToken)
            XCTAssertEqual(put.status, .unauthorized, put.text)
            let list = try await server.admin(.get, "/v1/experiments")
            XCTAssertEqual(list.status, .ok, list.text)
        }

        var off = try experimentConfiguration()
        off.eventsToken = ""
        try await withServer(off) { server in
            let response = try await server.openEvents(Self.opened)
            XCTAssertEqual(response.status, .forbidden, response.text)
            XCTAssertTrue(try Self.errorMessage(response).contains("PUSHCOMPOSE_EVENTS_TOKEN"), response.text)
            let admin = try await server.admin(.get, "/v1/experiments")
            XCTAssertEqual(admin.status, .ok, "the admin API does not depend on the events token: \(admin.text)")
        }
    }

    /// An events token equal to the admin token (or to an app secret) would let the app's
    /// backend into the admin API: the configuration is refused and the server does not start.
    func testTheConfigurationRefusesAnEventsTokenEqualToTheAdminToken() async throws {
        let fromEnvironment = try ServerConfiguration.load(
            file: nil, environment: ["PUSHCOMPOSE_ADMIN_TOKEN": "same-secret-123", "PUSHCOMPOSE_EVENTS_TOKEN": "same-secret-123"])
        XCTAssertThrowsError(try fromEnvironment.checkAdminToken()) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("PUSHCOMPOSE_EVENTS_TOKEN") && message.contains("PUSHCOMPOSE_ADMIN_TOKEN"), message)
        }

        var configuration = try experimentConfiguration()
        configuration.eventsToken = TestSecrets.adminToken
        await assertThrowsAsync(try await PushComposeServer(configuration: configuration, logger: testLogger), "same token") { error in
            XCTAssertTrue("\(error)".contains("PUSHCOMPOSE_EVENTS_TOKEN"), "\(error)")
        }

        var hookKey = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        hookKey.eventsToken = TestSecrets.hookKey
        XCTAssertThrowsError(try hookKey.checkAdminToken()) { error in
            XCTAssertTrue("\(error)".contains("LEANCLOUD_APP_HOOK_KEY"), "\(error)")
        }
        XCTAssertNoThrow(try experimentConfiguration().checkAdminToken(), "distinct tokens are accepted")
    }

    // MARK: - Events

    func testBadEventsAreRefusedNamingTheEventAndTheMember() async throws {
        try await withServer(try experimentConfiguration()) { server in
            func refused(_ body: [String: Any], _ expected: String, line: UInt = #line) async throws {
                let response = try await server.openEvents(body)
                XCTAssertEqual(response.status, .badRequest, response.text, line: line)
                let message = try Self.errorMessage(response)
                XCTAssertTrue(message.contains(expected), "\(message) does not say \(expected)", line: line)
            }
            let good = Self.opened
            try await refused(["events": [good, good, ["type": "clicked", "pushId": "p"]]], #"events[2]: 'type' must be "opened", not "clicked""#)
            try await refused(["events": [["pushId": "p"]]], "events[0]: 'type' is missing")
            try await refused(["events": Array(repeating: good, count: 1_001)], "'events' has 1001 events, more than the limit of 1000 a call")
            try await refused(["events": [good, ["type": "opened", "pushId": "p", "pushid": "q"]]], "events[1]: unknown member 'pushid'")
            try await refused(
                ["events": [["type": "opened", "receiver": "Jerry"]]], "events[0]: name the push ('pushId'), or the 'receiver' and the 'experiment'")
            try await refused(["events": [["type": "opened", "experiment": Self.name]]], "events[0]: name the push")
            try await refused(
                ["events": [["type": "opened", "pushId": "p", "time": "yesterday"]]],
                "events[0]: 'time' must be milliseconds since 1970 or an ISO 8601 time")
            try await refused(["events": [good, ["type": "opened", "pushId": "p", "time": -5]]], "events[1]: 'time' must be")
            try await refused(["events": [["type": "opened", "pushId": ""]]], "events[0]: 'pushId' must be a non-empty string")
            try await refused(["type": "opened"], "the event: name the push")
            try await refused(["events": []], "'events' is empty")
            try await refused(["events": [good], "type": "opened"], "a body with 'events' has no other members")
            let notJSON = try await server.client.execute(
                uri: "/v1/events", method: .post, headers: Header.bearer(ExperimentFixture.eventsToken), body: ByteBuffer(string: "{\"events\": ["))
            XCTAssertEqual(notJSON.status, .badRequest, notJSON.text)
            XCTAssertTrue(try Self.errorMessage(notJSON).contains("body is not valid JSON"), notJSON.text)

            // 1,000 is within the limit: each is answered.
            let many = try await server.acceptedOpenEvents(Array(repeating: good, count: 1_000))
            XCTAssertEqual(many.int("unknownPush"), 1_000)
            XCTAssertEqual(many["outcomes"]?.arrayValue?.count, 1_000)
        }
    }

    /// Counted once per push and receiver (in one call or across calls), unknown pushes
    /// and ambiguous ones ignored; the report's opens and openers are exactly the counted.
    func testOpenEventsAreCountedOnceAndTheReportCountsExactlyThose() async throws {
        try await withServer(try experimentConfiguration()) { server in
            var pushesOf: [String: Int] = [:], receiversOf: [String: Set<String>] = [:]
            func call(_ conversation: String, _ receivers: [String]) async throws -> (call: String, variant: String) {
                let (result, record) = try await server.experimentCall(conversation: conversation, to: receivers)
                let variant = try XCTUnwrap(try pushMessage(of: result)["_pc"]?["v"]?.stringValue)
                pushesOf[variant, default: 0] += receivers.count
                receiversOf[variant, default: []].formUnion(receivers)
                return (try XCTUnwrap(record["call"]?.stringValue), variant)
            }
            let jerry = try await call("ab-1", ["Jerry"])
            let group = try await call("ab-2", ["Spike", "Tyke"])
            let butch = try await call("ab-3", ["Butch"])
            let jerryAgain = try await call("ab-1", ["Jerry"])
            XCTAssertEqual(jerryAgain.variant, jerry.variant)

            let first = try await server.acceptedOpenEvents([
                ["type": "opened", "pushId": jerry.call],
                ["type": "opened", "pushId": jerry.call, "receiver": "Jerry"],
                ["type": "opened", "pushId": group.call],
                ["type": "opened", "pushId": group.call, "receiver": "Spike"],
                ["type": "opened", "pushId": "no-such-push"],
                ["type": "opened", "receiver": "Butch", "experiment": Self.name, "variant": butch.variant],
                ["type": "opened", "receiver": "Nobody", "experiment": Self.name],
            ])
            XCTAssertEqual(
                first["outcomes"]?.stringArray, ["counted", "duplicate", "receiver-needed", "counted", "unknown-push", "counted", "unknown-push"],
                "\(first)")
            XCTAssertEqual(first.int("counted"), 3)
            XCTAssertEqual(first.int("duplicate"), 1)
            XCTAssertEqual(first.int("receiverNeeded"), 1)
            XCTAssertEqual(first.int("unknownPush"), 2)
            XCTAssertEqual(first.int("outsideWindow"), 0)

            let later = ISO8601DateFormatter().string(from: Date(timeIntervalSinceNow: 2))
            let second = try await server.acceptedOpenEvents([
                ["type": "opened", "pushId": jerry.call, "receiver": "Jerry"],
                ["type": "opened", "pushId": jerryAgain.call, "time": later],
                ["type": "opened", "pushId": group.call, "receiver": "Spike", "time": Date().timeIntervalSince1970 * 1000 + 1000],
            ])
            XCTAssertEqual(second["outcomes"]?.stringArray, ["duplicate", "counted", "duplicate"], "\(second)")

            // Counted: Jerry twice (two pushes), Spike once, Butch once.
            var opens: [String: Int] = [:], openers: [String: Set<String>] = [:]
            for (variant, receiver) in [(jerry.variant, "Jerry"), (jerryAgain.variant, "Jerry"), (group.variant, "Spike"), (butch.variant, "Butch")] {
                opens[variant, default: 0] += 1
                openers[variant, default: []].insert(receiver)
            }
            let report = try await server.experimentReport()
            for variant in ExperimentFixture.variants {
                let arm = try XCTUnwrap(report.arm(variant), "\(report)")
                XCTAssertEqual(arm.int("opens"), opens[variant] ?? 0, "\(variant): \(arm)")
                XCTAssertEqual(arm.int("openers"), openers[variant]?.count ?? 0, "\(variant): \(arm)")
                XCTAssertEqual(arm.int("receivers"), receiversOf[variant]?.count ?? 0, "\(variant): \(arm)")
                XCTAssertEqual(arm.int("pushes"), pushesOf[variant] ?? 0, "\(variant): \(arm)")
            }
        }
    }

    // MARK: - Report and list

    func testTheReportKeepsTheTemplatesOrderAndRefusesWhatItCannotAnswer() async throws {
        try await withServer(try experimentConfiguration()) { server in
            for index in 0..<6 { _ = try await server.experimentCall(conversation: "ab-\(index)", to: ["Jerry", "Spike"]) }
            let report = try await server.experimentReport()
            XCTAssertEqual(report["experiment"], .string(Self.name))
            XCTAssertEqual(report["unit"], .string("conversation"))
            XCTAssertEqual(report.int("minimumSample"), 3)
            XCTAssertEqual(report["analysisMode"], .string("fixed"))
            XCTAssertEqual(report["since"], .null)
            let arms = try XCTUnwrap(report["arms"]?.arrayValue)
            XCTAssertEqual(arms.compactMap { $0["variant"]?.stringValue }, ExperimentFixture.variants, "the template's order, not alphabetical")
            XCTAssertEqual(arms.map { $0["isControl"] }, [.bool(true), .bool(false)])
            let total = arms.reduce(0) { $0 + ($1.int("pushes") ?? 0) }
            XCTAssertEqual(total, 12)
            XCTAssertTrue(report["verdictText"]?.stringValue?.isEmpty == false, "\(report)")

            // `since`: a duration back from now counts the same pushes, a time to come none.
            let recent = try await server.admin(.get, "/v1/experiments/\(Self.name)/report?since=1h")
            XCTAssertEqual(recent.status, .ok, recent.text)
            XCTAssertEqual(try recent.json["arms"]?.arrayValue?.map { $0.int("pushes") }, arms.map { $0.int("pushes") })
            XCTAssertNotEqual(try recent.json["since"], .null)
            let future = try await server.admin(.get, "/v1/experiments/\(Self.name)/report?since=2099-01-01T00:00:00Z")
            XCTAssertEqual(future.status, .ok, future.text)
            XCTAssertEqual(try future.json["arms"]?.arrayValue?.map { $0.int("pushes") }, [0, 0])

            let badSince = try await server.admin(.get, "/v1/experiments/\(Self.name)/report?since=yesterday")
            XCTAssertEqual(badSince.status, .badRequest, badSince.text)
            XCTAssertTrue(try Self.errorMessage(badSince).contains("query parameter 'since' must be"), badSince.text)
            XCTAssertTrue(try Self.errorMessage(badSince).contains("'yesterday'"), badSince.text)
            let unknownParameter = try await server.admin(.get, "/v1/experiments/\(Self.name)/report?from=1h")
            XCTAssertEqual(unknownParameter.status, .badRequest, unknownParameter.text)

            let unknown = try await server.admin(.get, "/v1/experiments/nope/report")
            XCTAssertEqual(unknown.status, .notFound, unknown.text)
            let message = try Self.errorMessage(unknown)
            XCTAssertTrue(message.contains("no experiment 'nope'") && message.contains(Self.name), message)

            let list = try await server.admin(.get, "/v1/experiments")
            XCTAssertEqual(list.status, .ok, list.text)
            let listed = try XCTUnwrap(try list.json["experiments"]?.arrayValue)
            XCTAssertEqual(listed.count, 1, list.text)
            XCTAssertEqual(listed.first?["name"], .string(Self.name))
            XCTAssertEqual(listed.first?["template"], .string("greeting"))
            XCTAssertEqual(listed.first?["state"], .string("running"))
            XCTAssertEqual(listed.first?["variants"]?.arrayValue?.compactMap { $0["name"]?.stringValue }, ExperimentFixture.variants)
            XCTAssertEqual(listed.first?["variants"]?.arrayValue?.map { $0.int("receivers") }, arms.map { $0.int("receivers") })
        }
    }

    // MARK: - Overrides

    /// An override forces its variant on the unit's next calls, recorded as `overridden`
    /// and kept out of the arm's receivers; removed, the hash decides again.
    func testAnOverrideForcesAVariantAndIsKeptOutOfTheStatistics() async throws {
        try await withServer(try experimentConfiguration()) { server in
            let conversation = "ab-7"
            let hashed = ExperimentFixture.hashedVariant(of: conversation)
            let forced = ExperimentFixture.other(than: hashed)
            let path = "/v1/experiments/\(Self.name)/overrides/\(conversation)"

            let put = try await server.admin(.put, path, json: ["variant": forced])
            XCTAssertEqual(put.status, .ok, put.text)
            XCTAssertEqual(try put.json["variant"], .string(forced))
            XCTAssertEqual(try put.json["unit"], .string(conversation))
            XCTAssertEqual(try put.json["experiment"], .string(Self.name))
            let listed = try await server.admin(.get, "/v1/experiments/\(Self.name)/overrides")
            XCTAssertEqual(try listed.json["overrides"]?.arrayValue?.compactMap { $0["unit"]?.stringValue }, [conversation], listed.text)

            let (result, record) = try await server.experimentCall(conversation: conversation, to: ["Jerry", "Spike"], text: "forced")
            let payload = try pushMessage(of: result)
            XCTAssertEqual(payload["_pc"]?["v"], .string(forced))
            XCTAssertEqual(payload["alert"], .string(ExperimentFixture.alert(variant: forced, text: "forced")))
            let exposures = record.exposureEntries
            XCTAssertEqual(exposures.compactMap { $0["status"]?.stringValue }, ["overridden", "overridden"], "\(exposures)")
            XCTAssertEqual(exposures.compactMap { $0["variant"]?.stringValue }, [forced, forced])

            var report = try await server.experimentReport()
            XCTAssertEqual(report.arm(forced)?.int("overridden"), 2, "\(report)")
            XCTAssertEqual(report.arm(forced)?.int("receivers"), 0, "\(report)")
            XCTAssertEqual(report.arm(forced)?.int("pushes"), 0, "\(report)")
            XCTAssertEqual(report.int("overridden"), 2, "\(report)")

            // What cannot be an override.
            let badVariant = try await server.admin(.put, path, json: ["variant": "bold"])
            XCTAssertEqual(badVariant.status, .badRequest, badVariant.text)
            XCTAssertTrue(try Self.errorMessage(badVariant).contains("no variant 'bold' (it has: plain, emoji)"), badVariant.text)
            let noVariant = try await server.admin(.put, path, json: [:])
            XCTAssertEqual(noVariant.status, .badRequest, noVariant.text)
            XCTAssertTrue(try Self.errorMessage(noVariant).contains("'variant' is missing"), noVariant.text)
            let extra = try await server.admin(.put, path, json: ["variant": forced, "until": "tomorrow"])
            XCTAssertEqual(extra.status, .badRequest, extra.text)
            XCTAssertTrue(try Self.errorMessage(extra).contains("unknown member 'until'"), extra.text)
            let unknownExperiment = try await server.admin(.put, "/v1/experiments/nope/overrides/\(conversation)", json: ["variant": forced])
            XCTAssertEqual(unknownExperiment.status, .notFound, unknownExperiment.text)
            XCTAssertTrue(try Self.errorMessage(unknownExperiment).contains(Self.name), unknownExperiment.text)

            let deleted = try await server.admin(.delete, path)
            XCTAssertEqual(deleted.status, .noContent, deleted.text)
            let again = try await server.admin(.delete, path)
            XCTAssertEqual(again.status, .notFound, again.text)
            XCTAssertTrue(try Self.errorMessage(again).contains("no override for '\(conversation)'"), again.text)

            let (after, afterRecord) = try await server.experimentCall(conversation: conversation, to: ["Jerry", "Spike"], text: "hashed")
            XCTAssertEqual(try pushMessage(of: after)["_pc"]?["v"], .string(hashed))
            XCTAssertEqual(afterRecord.exposureEntries.compactMap { $0["status"]?.stringValue }, ["exposed", "exposed"])
            report = try await server.experimentReport()
            XCTAssertEqual(report.arm(hashed)?.int("receivers"), 2, "\(report)")
            XCTAssertEqual(report.int("overridden"), 2, "\(report)")
        }
    }
    /// Overrides are kept in the store: a restarted server applies them; the overrides of
    /// an experiment the templates do not declare are not found.
    func testOverridesOutliveARestart() async throws {
        let configuration = try experimentConfiguration(unit: "receiver")
        let forced = ExperimentFixture.other(than: ExperimentFixture.hashedVariant(of: "Jerry"))
        try await withServer(configuration) { server in
            let put = try await server.admin(.put, "/v1/experiments/\(Self.name)/overrides/Jerry", json: ["variant": forced])
            XCTAssertEqual(put.status, .ok, put.text)
            let unknown = try await server.admin(.get, "/v1/experiments/nope/overrides")
            XCTAssertEqual(unknown.status, .notFound, unknown.text)
        }
        try await withServer(configuration) { server in
            let (result, record) = try await server.experimentCall(conversation: "ab-1", to: ["Jerry"])
            XCTAssertEqual(try pushMessage(of: result)["_pc"]?["v"], .string(forced))
            XCTAssertEqual(record.exposureEntries.first?["status"], .string("overridden"))
            let listed = try await server.admin(.get, "/v1/experiments/\(Self.name)/overrides")
            XCTAssertEqual(try listed.json["overrides"]?[0]?["variant"], .string(forced), listed.text)
        }
    }
}
