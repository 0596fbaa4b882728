import Foundation
import HummingbirdTesting
@testable import Server
import XCTest

/// Experiments on the hook's path, through the real server: which variant each receiver
/// is sent, what the payload says about it (`_pc`), what the audit line and the store
/// record, for conversation-unit and receiver-unit experiments.
final class ExperimentHookTests: XCTestCase {
    private static let name = ExperimentFixture.name

    private static func receivers(of conversation: String) -> [String] { ["a", "b", "c"].map { "\(conversation)-\($0)" } }

    /// Forty conversations of three receivers: one variant per call, named by the payload
    /// and the audit line alike; both variants occur; after a restart on the same data
    /// directory each conversation keeps its variant and the store keeps its counts.
    func testEveryReceiverOfAConversationGetsItsVariantAndKeepsItAcrossARestart() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let configuration = try experimentConfiguration(data: data)
        let conversations = (0..<40).map { "ab-\($0)" }

        let first: [String: String] = try await withServer(configuration) { server in
            var variants: [String: String] = [:]
            for conversation in conversations {
                variants[conversation] = try await Self.checkedCall(server, conversation: conversation)
            }
            XCTAssertEqual(Set(variants.values), Set(ExperimentFixture.variants), "both variants over 40 conversations")
            let report = try await server.experimentReport()
            for variant in ExperimentFixture.variants {
                let calls = variants.values.filter { $0 == variant }.count
                let arm = try XCTUnwrap(report.arm(variant), "\(report)")
                XCTAssertEqual(arm.int("receivers"), 3 * calls, variant)
                XCTAssertEqual(arm.int("pushes"), 3 * calls, variant)
                XCTAssertEqual(arm.int("notExposed"), 0, variant)
            }
            return variants
        }

        try await withServer(configuration) { server in
            for conversation in conversations {
                let variant = try await Self.checkedCall(server, conversation: conversation)
                XCTAssertEqual(variant, first[conversation], "\(conversation) after the restart")
            }
            let report = try await server.experimentReport()
            for variant in ExperimentFixture.variants {
                let calls = first.values.filter { $0 == variant }.count
                let arm = try XCTUnwrap(report.arm(variant), "\(report)")
                XCTAssertEqual(arm.int("receivers"), 3 * calls, "the same receivers again: \(variant)")
                XCTAssertEqual(arm.int("pushes"), 6 * calls, "the first server's pushes are still counted: \(variant)")
            }
        }
    }

    /// One call to a conversation's three receivers; checks the answer and the audit line
    /// agree on one variant for all, and returns it.
    private static func checkedCall(_ server: TestServer, conversation: String, file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        let receivers = Self.receivers(of: conversation)
        let (result, record) = try await server.experimentCall(conversation: conversation, to: receivers, text: "hello", file: file, line: line)
        XCTAssertNil(result["offlinePeers"], "everyone is in the answer", file: file, line: line)
        let payload = try pushMessage(of: result)
        let tag = try XCTUnwrap(payload["_pc"], "no _pc in \(payload)", file: file, line: line)
        let variant = try XCTUnwrap(tag["v"]?.stringValue, "\(tag)", file: file, line: line)
        let call = try XCTUnwrap(record["call"]?.stringValue, file: file, line: line)
        XCTAssertEqual(tag, .object(["id": .string(call), "x": .string(name), "v": .string(variant)]), file: file, line: line)
        XCTAssertEqual(payload["alert"], .string(ExperimentFixture.alert(variant: variant, text: "hello")), file: file, line: line)

        XCTAssertEqual(record["experiment"], .string(name), file: file, line: line)
        XCTAssertEqual(record["experimentUnit"], .string("conversation"), file: file, line: line)
        let groups = try XCTUnwrap(record["groups"]?.arrayValue, file: file, line: line)
        XCTAssertEqual(groups.map { $0["variant"] }, [.string(variant)], file: file, line: line)
        XCTAssertEqual(record["exposures"]?.arrayValue?.count, 1, "one variant, one status, one push: \(record)", file: file, line: line)
        let exposures = record.exposureEntries
        XCTAssertEqual(exposures.compactMap { $0["receiver"]?.stringValue }.sorted(), receivers, file: file, line: line)
        for exposure in exposures {
            XCTAssertEqual(exposure["variant"], .string(variant), "\(exposure)", file: file, line: line)
            XCTAssertEqual(exposure["push"], .string(call), "\(exposure)", file: file, line: line)
            XCTAssertEqual(exposure["status"], .string("exposed"), "\(exposure)", file: file, line: line)
        }
        return variant
    }

    /// A receiver-unit experiment splits one call by variant: the answer carries the
    /// variant of those without a device, the others' variant goes through the webhook
    /// with their queued push's id, and whoever had to be coalesced into the answer with
    /// another variant than theirs is recorded as not exposed.
    func testReceiverUnitVariantsGoThroughCustomDeliveryAndCoalescedReceiversAreNotExposed() async throws {
        // Receivers picked by the variant the hash gives them: three `plain` without a
        // device and one with; two `emoji` with a device and one without. `plain` leaves
        // the most receivers without a device, so the answer carries it.
        let candidates = (0..<200).map { "user-\($0)" }
        let plain = candidates.filter { ExperimentFixture.hashedVariant(of: $0) == "plain" }
        let emoji = candidates.filter { ExperimentFixture.hashedVariant(of: $0) == "emoji" }
        let plainWithout = Array(plain.prefix(3)), plainWith = plain[3]
        let emojiWith = Array(emoji.prefix(2)), emojiWithout = emoji[2]
        let receivers = plainWithout + [plainWith] + emojiWith + [emojiWithout]

        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            var configuration = try experimentConfiguration(unit: "receiver")
            configuration.delivery.webhookURL = url
            configuration.delivery.webhookSecret = WebhookStandIn.secret
            try await withServer(configuration) { server in
                for receiver in [plainWith] + emojiWith { try await server.registerWebhookDevice(receiver) }
                let (result, record) = try await server.experimentCall(conversation: "ab-room", to: receivers, text: "lunch?")
                let call = try XCTUnwrap(record["call"]?.stringValue)

                // The answer: plain, to the plain receivers and the one coalesced emoji receiver.
                XCTAssertEqual(Set(result["offlinePeers"]?.stringArray ?? []), Set(plainWithout + [plainWith, emojiWithout]), "\(result)")
                let answered = try pushMessage(of: result)
                XCTAssertEqual(answered["_pc"], .object(["id": .string(call), "x": .string(Self.name), "v": .string("plain")]))
                XCTAssertEqual(answered["alert"], .string(ExperimentFixture.alert(variant: "plain", text: "lunch?")))

                // The webhook: each emoji receiver with a device, tagged with their own push id.
                let custom = try XCTUnwrap(record["custom"]?.arrayValue)
                var queued: [String: String] = [:]
                for entry in custom { queued[entry["receiver"]?.stringValue ?? ""] = entry["push"]?.stringValue }
                XCTAssertEqual(Set(queued.keys), Set(emojiWith), "\(custom)")
                let pushes = await webhook.pushes(2)
                XCTAssertEqual(Set(pushes.map(\.receiver)), Set(emojiWith))
                for push in pushes {
                    XCTAssertEqual(push.pushId, queued[push.receiver])
                    XCTAssertNotEqual(push.pushId, call, "a queued push has its own id")
                    XCTAssertEqual(push.hookCallId, call)
                    XCTAssertEqual(push.payload["_pc"], .object(["id": .string(push.pushId), "x": .string(Self.name), "v": .string("emoji")]))
                    XCTAssertEqual(push.payload["alert"], .string(ExperimentFixture.alert(variant: "emoji", text: "lunch?")))
                }

                // The audit line: who saw which variant, through which push.
                XCTAssertEqual(record["experimentUnit"], .string("receiver"))
                XCTAssertEqual(record["coalesced"]?.arrayValue?.map { $0["receiver"] }, [.string(emojiWithout)])
                let exposures = record.exposureEntries
                var byReceiver: [String: JSON] = [:]
                for exposure in exposures { byReceiver[exposure["receiver"]?.stringValue ?? ""] = exposure }
                XCTAssertEqual(Set(byReceiver.keys), Set(receivers))
                for receiver in plainWithout + [plainWith] {
                    XCTAssertEqual(
                        byReceiver[receiver],
                        .object(["receiver": .string(receiver), "variant": .string("plain"), "push": .string(call), "status": .string("exposed")]))
                }
                for receiver in emojiWith {
                    XCTAssertEqual(byReceiver[receiver]?["push"], queued[receiver].map(JSON.string))
                    XCTAssertEqual(byReceiver[receiver]?["status"], .string("exposed"))
                    XCTAssertEqual(byReceiver[receiver]?["variant"], .string("emoji"))
                }
                XCTAssertEqual(byReceiver[emojiWithout]?["variant"], .string("emoji"))
                XCTAssertEqual(byReceiver[emojiWithout]?["status"], .string("not-exposed"))

                let report = try await server.experimentReport()
                XCTAssertEqual(report.arm("plain")?.int("receivers"), 4, "\(report)")
                XCTAssertEqual(report.arm("plain")?.int("notExposed"), 0, "\(report)")
                XCTAssertEqual(report.arm("emoji")?.int("receivers"), 2, "\(report)")
                XCTAssertEqual(report.arm("emoji")?.int("notExposed"), 1, "\(report)")
                XCTAssertEqual(report.int("notExposed"), 1, "\(report)")
            }
        }
    }

    /// `experimentPayloadMember: false` (PUSHCOMPOSE_EXPERIMENT_PAYLOAD_MEMBER) and an
    /// experiment's own `payloadMember: false` both leave `_pc` out of the payload; the
    /// experiment is recorded all the same.
    func testWithoutThePayloadMemberTheExperimentIsStillRecorded() async throws {
        let fromEnvironment = try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_EXPERIMENT_PAYLOAD_MEMBER": "false"])
        XCTAssertFalse(fromEnvironment.experimentPayloadMember)
        var serviceWide = try experimentConfiguration()
        serviceWide.experimentPayloadMember = fromEnvironment.experimentPayloadMember
        let perExperiment = try experimentConfiguration(extra: "  payloadMember: false")

        for (label, configuration) in [("service-wide", serviceWide), ("per experiment", perExperiment)] {
            try await withServer(configuration) { server in
                let receivers = ["Jerry", "Spike"]
                let (result, record) = try await server.experimentCall(conversation: "ab-1", to: receivers, text: "hi")
                let payload = try pushMessage(of: result)
                XCTAssertNil(payload["_pc"], "\(label): \(payload)")
                let variant = ExperimentFixture.hashedVariant(of: "ab-1")
                XCTAssertEqual(payload["alert"], .string(ExperimentFixture.alert(variant: variant, text: "hi")), label)
                XCTAssertEqual(record["experiment"], .string(Self.name), label)
                XCTAssertEqual(record.exposureEntries.compactMap { $0["status"]?.stringValue }, ["exposed", "exposed"], label)
                let report = try await server.experimentReport()
                XCTAssertEqual(report.arm(variant)?.int("receivers"), 2, "\(label): \(report)")
            }
        }
    }
    /// A conversation-unit experiment with custom delivery: the mentioned receiver's push
    /// goes through the webhook in the conversation's variant, tagged with its own push
    /// id; an open reported by that id counts.
    func testAConversationsVariantGoesThroughTheWebhookWithItsOwnPushId() async throws {
        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            var configuration = try experimentConfiguration()
            configuration.delivery.webhookURL = url
            configuration.delivery.webhookSecret = WebhookStandIn.secret
            try await withServer(configuration) { server in
                try await server.registerWebhookDevice("Tyke")
                let hook = HookBody.receiversOffline(conversation: "ab-9", to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("Lunch?"), mentioned: ["Tyke"])
                let result = try await server.receiversOffline(hook)
                let record = try await server.lastHookRecord()
                let call = try XCTUnwrap(record["call"]?.stringValue)
                let variant = ExperimentFixture.hashedVariant(of: "ab-9")
                XCTAssertEqual(result["offlinePeers"]?.stringArray, ["Jerry", "Spike"])
                XCTAssertEqual(try pushMessage(of: result)["_pc"], .object(["id": .string(call), "x": .string(Self.name), "v": .string(variant)]))

                let pushes = await webhook.pushes(1)
                let push = try XCTUnwrap(pushes.first)
                XCTAssertEqual(push.receiver, "Tyke")
                XCTAssertNotEqual(push.pushId, call)
                XCTAssertEqual(push.payload["_pc"], .object(["id": .string(push.pushId), "x": .string(Self.name), "v": .string(variant)]))
                let tyke = record.exposureEntries.first { $0["receiver"] == .string("Tyke") }
                XCTAssertEqual(tyke?["push"], .string(push.pushId))
                XCTAssertEqual(tyke?["status"], .string("exposed"))

                let opened = try await server.acceptedOpenEvents([
                    ["type": "opened", "pushId": push.pushId],
                    ["type": "opened", "pushId": call, "receiver": "Tyke"],
                ])
                XCTAssertEqual(opened["outcomes"]?.stringArray, ["counted", "unknown-push"], "the call's push did not reach Tyke: \(opened)")
                let report = try await server.experimentReport()
                XCTAssertEqual(report.arm(variant)?.int("opens"), 1, "\(report)")
                XCTAssertEqual(report.arm(variant)?.int("receivers"), 3, "\(report)")
            }
        }
    }
}
