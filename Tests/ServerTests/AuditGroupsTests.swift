import Foundation
import PushCompose
@testable import Server
import XCTest

/// A call can make as many groups as receivers (a template that names its receiver): the
/// record lists the first `AuditLimits.listEntries`, each marked as the plan says, in one
/// pass over the groups.
final class AuditGroupsTests: XCTestCase {
    func testTenThousandCustomGroupsAreListedUpToTheLimitAndCounted() throws {
        let receivers = (0..<10_000).map { "receiver-\($0)" }
        let groups = receivers.map {
            PushGroup(payload: #"{"alert":"Hi \#($0)"}"#, force: false, template: "personal", locale: "en", receivers: [$0], hasMentions: false)
        }
        let plan = HookPlan(
            answer: .skipBuiltinPush, template: "personal", groups: groups, answeredGroup: nil,
            coalesced: [], excluded: [], renderFailures: [], customGroups: Array(groups.indices))
        let hook = ReceiversOfflineHook(fromPeer: "Tom", convId: "conv-1", offlinePeers: receivers, content: "hi")

        let line = HookAuditRecord(textPolicy: .full).receiversOffline(hook: hook, plan: plan, micros: 1)

        let record = try decodeJSON(String(decoding: line.bytes, as: UTF8.self))
        let listed = try XCTUnwrap(record["groups"]?.arrayValue)
        XCTAssertEqual(listed.count, AuditLimits.listEntries)
        XCTAssertEqual(record["groupsOmitted"], .number(Double(10_000 - AuditLimits.listEntries)))
        for (index, group) in listed.enumerated() {
            XCTAssertEqual(group["channel"], .string("custom"))
            XCTAssertEqual(group["receivers"]?.stringArray, ["receiver-\(index)"])
            XCTAssertEqual(group["payload"], .string(#"{"alert":"Hi receiver-\#(index)"}"#))
            XCTAssertEqual(group["answered"], .bool(false))
        }
    }

    func testOnlyTheCustomGroupsAreMarked() throws {
        let groups = (0..<3).map { PushGroup(payload: "{}", force: false, template: "t", locale: nil, receivers: ["r\($0)"], hasMentions: false) }
        var plan = HookPlan(
            answer: ReceiversOfflineAnswer(pushMessage: "{}"), template: "t", groups: groups, answeredGroup: 0,
            coalesced: [], excluded: [], renderFailures: [], customGroups: [1, 2])
        plan.depersonalized = ["r1", "r2"]
        let hook = ReceiversOfflineHook(fromPeer: "Tom", convId: "conv-1", offlinePeers: ["r0", "r1", "r2"], content: "hi")
        let record = try decodeJSON(String(decoding: HookAuditRecord(textPolicy: .full).receiversOffline(hook: hook, plan: plan, micros: 1).bytes, as: UTF8.self))
        XCTAssertEqual(record["groups"]?.arrayValue?.map { $0["channel"] }, [nil, .string("custom"), .string("custom")])
        XCTAssertEqual(record["depersonalized"]?.stringArray, ["r1", "r2"])
    }

    func testNoDepersonalizedReceiversNoMember() throws {
        let plan = HookPlan(
            answer: .skipBuiltinPush, template: "t", groups: [], answeredGroup: nil,
            coalesced: [], excluded: [], renderFailures: [], customGroups: [])
        let hook = ReceiversOfflineHook(fromPeer: "Tom", convId: "conv-1", offlinePeers: [], content: "hi")
        let record = try decodeJSON(String(decoding: HookAuditRecord(textPolicy: .full).receiversOffline(hook: hook, plan: plan, micros: 1).bytes, as: UTF8.self))
        XCTAssertNil(record["depersonalized"])
    }
}
