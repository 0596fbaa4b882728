import Foundation
import PushCompose
@testable import Server
import XCTest

/// A call can make as many groups as receivers (a template that names its receiver): the
/// record lists the first `AuditLimits.listEntries` groups and custom pushes, in one pass.
final class AuditGroupsTests: XCTestCase {
    func testTenThousandCustomGroupsAreListedUpToTheLimitAndCounted() throws {
        let receivers = (0..<10_000).map { "receiver-\($0)" }
        let groups = receivers.map {
            PushGroup(payload: #"{"alert":"Hi \#($0)"}"#, force: false, template: "personal", locale: "en", receivers: [$0], hasMentions: false)
        }
        var plan = HookPlan(
            answer: .skipBuiltinPush, template: "personal", groups: groups, answeredGroup: nil,
            coalesced: [], excluded: [], renderFailures: [])
        plan.custom = receivers.indices.map { HookPlan.CustomPush(receiver: receivers[$0], group: $0) }
        let hook = ReceiversOfflineHook(fromPeer: "Tom", convId: "conv-1", offlinePeers: receivers, content: "hi")
        let pushIds = receivers.indices.map { "push-\($0)" }

        let line = HookAuditRecord(textPolicy: .full).receiversOffline(hook: hook, plan: plan, call: "call-1", pushIds: pushIds, input: nil, micros: 1)

        let record = try decodeJSON(String(decoding: line.bytes, as: UTF8.self))
        let listed = try XCTUnwrap(record["groups"]?.arrayValue)
        XCTAssertEqual(listed.count, AuditLimits.listEntries)
        XCTAssertEqual(record["groupsOmitted"], .number(Double(10_000 - AuditLimits.listEntries)))
        XCTAssertEqual(record["call"], .string("call-1"))
        let custom = try XCTUnwrap(record["custom"]?.arrayValue)
        XCTAssertEqual(custom.count, AuditLimits.listEntries)
        XCTAssertEqual(record["customOmitted"], .number(Double(10_000 - AuditLimits.listEntries)))
        for (index, entry) in custom.enumerated() {
            XCTAssertEqual(entry["receiver"], .string("receiver-\(index)"))
            XCTAssertEqual(entry["group"], .number(Double(index)))
            XCTAssertEqual(entry["push"], .string("push-\(index)"))
        }
        for (index, group) in listed.enumerated() {
            XCTAssertEqual(group["receivers"]?.stringArray, ["receiver-\(index)"])
            XCTAssertEqual(group["payload"], .string(#"{"alert":"Hi receiver-\#(index)"}"#))
            XCTAssertEqual(group["answered"], .bool(false))
        }
    }

    func testEachRouteSaysWhy() throws {
        let groups = (0..<4).map { PushGroup(payload: "{}", force: false, template: "t", locale: nil, receivers: ["r\($0)"], hasMentions: false) }
        var plan = HookPlan(
            answer: ReceiversOfflineAnswer(pushMessage: "{}"), template: "t", groups: groups, answeredGroup: 0,
            coalesced: [.init(receiver: "r0", wantedGroup: 0), .init(receiver: "r3", wantedGroup: 3)], excluded: [], renderFailures: [])
        plan.custom = [.init(receiver: "r1", group: 1)]
        plan.undeliverable = ["r2"]
        plan.depersonalized = ["r1"]
        let hook = ReceiversOfflineHook(fromPeer: "Tom", convId: "conv-1", offlinePeers: ["r0", "r1", "r2", "r3"], content: "hi")
        let line = HookAuditRecord(textPolicy: .full).receiversOffline(hook: hook, plan: plan, call: "c", pushIds: ["p1"], input: nil, micros: 1)
        let record = try decodeJSON(String(decoding: line.bytes, as: UTF8.self))
        XCTAssertEqual(record["custom"]?[0]?["push"], .string("p1"))
        XCTAssertEqual(record["undeliverable"]?[0]?["reason"], .string("no device"))
        XCTAssertEqual(record["coalesced"]?.arrayValue?.map { $0["reason"] }, [.string("force not shared"), .string("no device")])
        XCTAssertEqual(record["depersonalized"]?.stringArray, ["r1"])
    }

    func testNoDepersonalizedReceiversNoMember() throws {
        let plan = HookPlan(
            answer: .skipBuiltinPush, template: "t", groups: [], answeredGroup: nil,
            coalesced: [], excluded: [], renderFailures: [])
        let hook = ReceiversOfflineHook(fromPeer: "Tom", convId: "conv-1", offlinePeers: [], content: "hi")
        let line = HookAuditRecord(textPolicy: .full).receiversOffline(hook: hook, plan: plan, call: "c", pushIds: [], input: nil, micros: 1)
        let record = try decodeJSON(String(decoding: line.bytes, as: UTF8.self))
        XCTAssertNil(record["depersonalized"])
    }
}
