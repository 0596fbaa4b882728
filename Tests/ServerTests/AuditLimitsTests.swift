import Foundation
import PushCompose
@testable import Server
import XCTest

/// One record holds at most `AuditLimits.textBytes` of each text and
/// `AuditLimits.listEntries` of each list, with what was left out counted.
final class AuditLimitsTests: XCTestCase {
    /// 18 bytes, one character: a cut inside it would leave a broken family.
    static let family = "👨‍👩‍👧"

    func testAHugeTextAndTwentyThousandReceiversMakeARecordUnder64KiB() async throws {
        var configuration = try makeConfiguration(secured: true)
        configuration.maxPeers = 20_000
        configuration.maxBodyBytes = 4 << 20
        let text = String(repeating: Self.family, count: (1 << 20) / 18 + 1)
        let receivers = (0..<20_000).map { "receiver-\($0)" }
        let mentioned = Array(receivers.prefix(1_500))
        try await withServer(configuration) { server in
            _ = try await server.receiversOffline(HookBody.receiversOffline(to: receivers, content: HookBody.text(text), mentioned: mentioned))
            await server.audit.flush()
            let lines = try readAuditLines(in: server.audit.directory)
            XCTAssertEqual(lines.count, 1)
            XCTAssertLessThan(lines[0].utf8.count, 64 << 10)

            let record = try decodeJSON(lines[0])
            XCTAssertEqual(record["receivers"], .number(20_000))
            let kept = try XCTUnwrap(record["text"]?.stringValue)
            XCTAssertLessThanOrEqual(kept.utf8.count, AuditLimits.textBytes)
            XCTAssertEqual(kept, String(repeating: Self.family, count: AuditLimits.textBytes / 18), "cut at a character boundary, as long as fits")
            XCTAssertEqual(record["textTruncatedFrom"], .number(Double(text.utf8.count)))
            // Above mentionOnlyAbove only the mentioned are pushed: 1,500 in a group, 18,500 excluded.
            let group = try XCTUnwrap(record["groups"]?[0])
            XCTAssertEqual(group["receivers"]?.stringArray, Array(mentioned.prefix(1_000)))
            XCTAssertEqual(group["receiversOmitted"], .number(500))
            XCTAssertEqual(record["excluded"]?.stringArray, Array(receivers[1_500..<2_500]))
            XCTAssertEqual(record["excludedOmitted"], .number(17_500))
            XCTAssertEqual(record["answer"]?["offlinePeers"]?.stringArray, Array(mentioned.prefix(1_000)))
            XCTAssertEqual(record["answerOfflinePeersOmitted"], .number(500))
        }
    }

    func testAListWithinTheLimitHasNoCount() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            _ = try await server.receiversOffline(HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("hi")))
            let records = try await server.auditRecords()
            let record = try XCTUnwrap(records.first)
            XCTAssertNil(record["textTruncatedFrom"])
            XCTAssertEqual(record["groups"]?[0]?["receivers"]?.stringArray, ["Jerry", "Spike"])
            XCTAssertEqual(record.keys?.filter { $0.hasSuffix("Omitted") || $0.hasSuffix("TruncatedFrom") }, [])
        }
    }

    func testALongPayloadIsCutAndSaysSo() {
        let payload = #"{"alert":""# + String(repeating: "é", count: 5_000) + #""}"#
        let plan = HookPlan(
            answer: ReceiversOfflineAnswer(pushMessage: payload), template: "default",
            groups: [PushGroup(payload: payload, force: false, template: "default", locale: "en", receivers: ["Jerry"], hasMentions: false)],
            answeredGroup: 0, coalesced: [], excluded: [], renderFailures: [])
        let hook = ReceiversOfflineHook(fromPeer: "Tom", convId: "conv-1", offlinePeers: ["Jerry"], content: "hi")
        let line = HookAuditRecord(textPolicy: .full).receiversOffline(hook: hook, plan: plan, call: "c", pushIds: [], input: nil, micros: 1)
        let record = try! decodeJSON(String(decoding: line.bytes, as: UTF8.self))
        let kept = record["groups"]?[0]?["payload"]?.stringValue ?? ""
        XCTAssertEqual(kept, String(payload.prefix(AuditLimits.textBytes / 2 + 5)))  // 10 ASCII bytes, then 2 a character
        XCTAssertEqual(record["groups"]?[0]?["payloadTruncatedFrom"], .number(Double(payload.utf8.count)))
        XCTAssertEqual(record["answer"]?["pushMessage"]?.stringValue, kept)
        XCTAssertEqual(record["answerPushMessageTruncatedFrom"], .number(Double(payload.utf8.count)))
    }

    func testALongConversationNameIsCut() throws {
        let name = String(repeating: "n", count: 10_000)
        let update = ConversationUpdateHook(initBy: "Tom", convId: "conv-1", change: .attributes(name: name))
        let line = HookAuditRecord(textPolicy: .full).conversationUpdate(update)
        let record = try decodeJSON(String(decoding: line.bytes, as: UTF8.self))
        XCTAssertEqual(record["name"]?.stringValue, String(name.prefix(AuditLimits.textBytes)))
        XCTAssertEqual(record["nameTruncatedFrom"], .number(10_000))
    }
}
