import Foundation
import HummingbirdTesting
@testable import Server
import XCTest

/// Experiments at their edges, through the real server: opens that have no exposure to
/// count towards, opens outside the experiment's window, experiments before their start
/// or after their end, and a template the service alone delivers.
final class ExperimentEdgeTests: XCTestCase {
    private static let name = ExperimentFixture.name

    private static func plainAndEmoji() -> (plain: String, emoji: String) {
        let candidates = (0..<100).map { "user-\($0)" }
        return (
            candidates.first { ExperimentFixture.hashedVariant(of: $0) == "plain" }!,
            candidates.first { ExperimentFixture.hashedVariant(of: $0) == "emoji" }!
        )
    }

    /// A receiver coalesced into another variant's answer, and a receiver whose variant an
    /// override forced, have no exposure: their opens are unknown pushes, never counted.
    func testOpensOfPushesNotExposedOrOverriddenAreNotCounted() async throws {
        try await withServer(try experimentConfiguration(unit: "receiver")) { server in
            let (plain, emoji) = Self.plainAndEmoji()
            let (result, record) = try await server.experimentCall(conversation: "ab-1", to: [plain, emoji])
            let call = try XCTUnwrap(record["call"]?.stringValue)
            let answered = try XCTUnwrap(try pushMessage(of: result)["_pc"]?["v"]?.stringValue)
            let (exposed, coalesced) = answered == "plain" ? (plain, emoji) : (emoji, plain)
            let statuses = Dictionary(
                uniqueKeysWithValues: record.exposureEntries.map { ($0["receiver"]?.stringValue ?? "", $0["status"]?.stringValue ?? "") })
            XCTAssertEqual(statuses, [exposed: "exposed", coalesced: "not-exposed"])

            let forced = "forced-user"
            let put = try await server.admin(.put, "/v1/experiments/\(Self.name)/overrides/\(forced)", json: ["variant": "emoji"])
            XCTAssertEqual(put.status, .ok, put.text)
            let (_, forcedRecord) = try await server.experimentCall(conversation: "ab-2", to: [forced])
            let forcedCall = try XCTUnwrap(forcedRecord["call"]?.stringValue)

            let outcomes = try await server.acceptedOpenEvents([
                ["type": "opened", "pushId": call, "receiver": coalesced],
                ["type": "opened", "receiver": coalesced, "experiment": Self.name],
                ["type": "opened", "pushId": forcedCall],
                ["type": "opened", "receiver": forced, "experiment": Self.name, "variant": "emoji"],
                ["type": "opened", "pushId": call, "receiver": exposed],
            ])
            XCTAssertEqual(outcomes["outcomes"]?.stringArray, ["unknown-push", "unknown-push", "unknown-push", "unknown-push", "counted"], "\(outcomes)")
            let report = try await server.experimentReport()
            XCTAssertEqual(report.arm(answered)?.int("opens"), 1, "\(report)")
            XCTAssertEqual(report.arm(ExperimentFixture.other(than: answered))?.int("opens"), 0, "\(report)")
        }
    }

    /// `openWindow: 1h`: an open two hours after its push, or before it, is stored and not
    /// counted (a later report of the same push and receiver is a duplicate); one within
    /// the hour counts, also named by receiver and experiment alone.
    func testOpensOutsideTheExperimentsWindowAreStoredButNotCounted() async throws {
        try await withServer(try experimentConfiguration(extra: "  openWindow: 1h")) { server in
            let now = Date().timeIntervalSince1970 * 1000
            let (_, jerry) = try await server.experimentCall(conversation: "ab-1", to: ["Jerry"])
            let (_, spike) = try await server.experimentCall(conversation: "ab-2", to: ["Spike"])
            let (_, tyke) = try await server.experimentCall(conversation: "ab-3", to: ["Tyke"])
            let outcomes = try await server.acceptedOpenEvents([
                ["type": "opened", "pushId": jerry["call"]?.stringValue ?? "", "time": now + 2 * 3_600_000],
                ["type": "opened", "pushId": jerry["call"]?.stringValue ?? ""],
                ["type": "opened", "pushId": spike["call"]?.stringValue ?? "", "time": 0],
                ["type": "opened", "receiver": "Tyke", "experiment": Self.name, "time": now + 30 * 60_000],
            ])
            XCTAssertEqual(outcomes["outcomes"]?.stringArray, ["outside-window", "duplicate", "outside-window", "counted"], "\(outcomes)")
            XCTAssertEqual(outcomes.int("outsideWindow"), 2)
            let report = try await server.experimentReport()
            let tykeVariant = try XCTUnwrap(tyke.exposureEntries.first?["variant"]?.stringValue)
            for variant in ExperimentFixture.variants {
                XCTAssertEqual(report.arm(variant)?.int("opens"), variant == tykeVariant ? 1 : 0, "\(variant): \(report)")
            }
        }
    }

    /// Before its start and after its end an experiment's template sends the control to
    /// everybody, without `_pc`, and records nothing; the list says which it is.
    func testOutsideItsTimeTheControlIsSentAndNothingIsRecorded() async throws {
        for (extra, state) in [("  end: 2020-01-01T00:00:00Z", "ended"), ("  start: 2099-01-01T00:00:00Z", "scheduled")] {
            try await withServer(try experimentConfiguration(extra: extra)) { server in
                // Conversations of both variants: each gets the control.
                let conversations = (0..<40).map { "ab-\($0)" }
                let emojiConversation = try XCTUnwrap(conversations.first { ExperimentFixture.hashedVariant(of: $0) == "emoji" })
                let (result, record) = try await server.experimentCall(conversation: emojiConversation, to: ["Jerry", "Spike"], text: "hi")
                let payload = try pushMessage(of: result)
                XCTAssertNil(payload["_pc"], "\(state): \(payload)")
                XCTAssertEqual(payload["alert"], .string(ExperimentFixture.alert(variant: "plain", text: "hi")), state)
                XCTAssertNil(record["experiment"], "\(state): \(record)")
                XCTAssertNil(record["exposures"], "\(state): \(record)")

                let list = try await server.admin(.get, "/v1/experiments")
                XCTAssertEqual(try list.json["experiments"]?[0]?["state"], .string(state), list.text)
                let report = try await server.experimentReport()
                XCTAssertEqual(report["arms"]?.arrayValue?.map { $0.int("pushes") }, [0, 0], "\(state): \(report)")
                XCTAssertEqual(report.int("notExposed"), 0, "\(state): \(report)")
            }
        }
    }

    /// A template the service alone delivers (`builtin: false`): each receiver with a
    /// device gets their own variant through the webhook; one without is undeliverable,
    /// assigned and not exposed.
    func testWithoutTheBuiltInPushReceiversWithoutADeviceAreNotExposed() async throws {
        let templates = try copyOfShippedTemplates()
        try ExperimentFixture.template(unit: "receiver")
            .replacingOccurrences(of: "experiment:\n", with: "policy:\n  builtin: false\nexperiment:\n")
            .write(to: templates.appendingPathComponent("greeting.yaml"), atomically: true, encoding: .utf8)
        let (plain, emoji) = Self.plainAndEmoji()
        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            var configuration = try experimentConfiguration(unit: "receiver")
            configuration.templates = templates.path
            configuration.delivery.webhookURL = url
            configuration.delivery.webhookSecret = WebhookStandIn.secret
            try await withServer(configuration) { server in
                try await server.registerWebhookDevice(plain)
                try await server.registerWebhookDevice(emoji)
                let (result, record) = try await server.experimentCall(conversation: "ab-1", to: [plain, emoji, "no-device"], text: "yo")
                XCTAssertEqual(result, .object(["skip": .bool(true)]))
                let pushes = await webhook.pushes(2)
                for push in pushes {
                    let variant = push.receiver == plain ? "plain" : "emoji"
                    XCTAssertEqual(push.payload["_pc"], .object(["id": .string(push.pushId), "x": .string(Self.name), "v": .string(variant)]))
                    XCTAssertEqual(push.payload["alert"], .string(ExperimentFixture.alert(variant: variant, text: "yo")))
                }
                XCTAssertEqual(record["undeliverable"]?.arrayValue?.map { $0["receiver"] }, [.string("no-device")])
                let statuses = Dictionary(
                    uniqueKeysWithValues: record.exposureEntries.map { ($0["receiver"]?.stringValue ?? "", $0["status"]?.stringValue ?? "") })
                XCTAssertEqual(statuses, [plain: "exposed", emoji: "exposed", "no-device": "not-exposed"])
                let report = try await server.experimentReport()
                XCTAssertEqual(report.int("notExposed"), 1, "\(report)")
                XCTAssertEqual(report["arms"]?.arrayValue?.map { $0.int("receivers") }, [1, 1], "\(report)")
            }
        }
    }
    /// A template reload applies new weights to the next call, and a set without the
    /// experiment ends it: plain pushes, and the report no longer knows it.
    func testAReloadChangesTheWeightsAndCanRemoveTheExperiment() async throws {
        let configuration = try experimentConfiguration()
        let file = URL(fileURLWithPath: configuration.templates).appendingPathComponent("greeting.yaml")
        try await withServer(configuration) { server in
            let conversation = try XCTUnwrap((0..<40).map { "ab-\($0)" }.first { ExperimentFixture.hashedVariant(of: $0) == "plain" })
            func variant() async throws -> JSON? {
                let (result, _) = try await server.experimentCall(conversation: conversation, to: ["Jerry"])
                return try pushMessage(of: result)["_pc"]?["v"]
            }
            func reload() async throws {
                let response = try await server.admin(.post, "/v1/templates/reload")
                XCTAssertEqual(response.status, .ok, response.text)
            }
            let before = try await variant()
            XCTAssertEqual(before, .string("plain"))

            let text = ExperimentFixture.template(unit: "conversation")
            let plainWeight = try XCTUnwrap(text.range(of: "weight: 50"))
            try text.replacingCharacters(in: plainWeight, with: "weight: 0").write(to: file, atomically: true, encoding: .utf8)
            try await reload()
            let reweighted = try await variant()
            XCTAssertEqual(reweighted, .string("emoji"), "the control's weight is 0 now")

            try "name: greeting\npriority: 40\nmatch:\n  conversations: [\"ab-*\"]\n".write(to: file, atomically: true, encoding: .utf8)
            try await reload()
            let (result, record) = try await server.experimentCall(conversation: conversation, to: ["Jerry"], text: "bye")
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: bye"))
            XCTAssertNil(try pushMessage(of: result)["_pc"])
            XCTAssertNil(record["experiment"])
            let report = try await server.admin(.get, "/v1/experiments/\(ExperimentFixture.name)/report")
            XCTAssertEqual(report.status, .notFound, report.text)
            XCTAssertTrue(report.text.contains("they declare none"), report.text)
            let list = try await server.admin(.get, "/v1/experiments")
            XCTAssertEqual(try list.json["experiments"], .array([]), list.text)
        }
    }

    /// The answer reached two receivers, one exposed and one coalesced into it with
    /// another variant; an open naming only the push may be either's, so it must name
    /// the receiver.
    func testAnOpenOfAnAnswerThatReachedSeveralNeedsTheReceiver() async throws {
        try await withServer(try experimentConfiguration(unit: "receiver")) { server in
            let (plain, emoji) = Self.plainAndEmoji()
            let (_, record) = try await server.experimentCall(conversation: "ab-1", to: [plain, emoji])
            let call = try XCTUnwrap(record["call"]?.stringValue)
            let outcomes = try await server.acceptedOpenEvents([["type": "opened", "pushId": call]])
            XCTAssertEqual(outcomes["outcomes"]?.stringArray, ["receiver-needed"], "\(outcomes)")
        }
    }
}
