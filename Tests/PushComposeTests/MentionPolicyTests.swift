import PushCompose
import XCTest

/// Who counts as mentioned, and mention-only mode in large conversations.
final class MentionPolicyTests: XCTestCase {
    private func compose(_ hook: ReceiversOfflineHook, policy: PushPolicy = PushPolicy()) -> HookPlan {
        Composer(templates: TestSelector(TestTemplate(policy: policy))).compose(hook)
    }

    func testMentionedOfflinePeersGetTheMentionOverride() throws {
        let plan = compose(makeHook(to: ["a", "b", "c"], mentioned: ["b"]))
        XCTAssertEqual(plan.groups.map(\.receivers), [["a", "c"], ["b"]])
        XCTAssertEqual(plan.groups[0].payload, standardPayload("Tom: hi"))
        XCTAssertEqual(plan.groups[1].payload, standardPayload("Tom mentioned you: hi"))
        XCTAssertEqual(plan.groups.map(\.hasMentions), [false, true])
    }

    func testMentionAllGivesEveryoneTheMentionAllOverride() throws {
        let plan = compose(makeHook(to: ["a", "b", "c"], mentionAll: true))
        XCTAssertEqual(plan.groups.map(\.receivers), [["a", "b", "c"]])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom @all: hi"), force: true))
    }

    func testMentionedPeersWhoAreNotOfflineAreIgnored() {
        let plan = compose(makeHook(to: ["a"], mentioned: ["zed"]))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom: hi")))
    }

    func testMentionOnlyModeAboveTheThresholdPushesOnlyMentionedReceivers() {
        let plan = compose(makeHook(to: ["a", "b", "c"], mentioned: ["b"]), policy: PushPolicy(mentionOnlyAbove: 2))
        XCTAssertEqual(
            plan.answer,
            ReceiversOfflineAnswer(offlinePeers: ["b"], pushMessage: standardPayload("Tom mentioned you: hi"), force: true))
        XCTAssertEqual(plan.excluded, ["a", "c"])
        XCTAssertEqual(plan.coalesced, [])
    }

    func testMentionOnlyModeWithNobodyMentionedSkips() {
        let plan = compose(makeHook(to: ["a", "b", "c"]), policy: PushPolicy(mentionOnlyAbove: 2))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(skip: true))
        XCTAssertEqual(JSONEncoding.string(plan.answer.json), #"{"skip":true}"#)
        XCTAssertEqual(plan.excluded, ["a", "b", "c"])
        XCTAssertEqual(plan.groups, [])
    }

    func testMentionOnlyModeStartsAboveTheThresholdNotAtIt() {
        let plan = compose(makeHook(to: ["a", "b", "c"], mentioned: ["b"]), policy: PushPolicy(mentionOnlyAbove: 3))
        XCTAssertNil(plan.answer.offlinePeers)
        XCTAssertEqual(plan.answer.pushMessage, standardPayload("Tom: hi"))
        XCTAssertEqual(plan.excluded, [])
    }

    func testMentionOnlyModeCountsDistinctReceivers() {
        // Three entries, two receivers: not above a threshold of 2.
        let plan = compose(makeHook(to: ["a", "b", "a"]), policy: PushPolicy(mentionOnlyAbove: 2))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(offlinePeers: ["a", "b"], pushMessage: standardPayload("Tom: hi")))
    }

    func testMentionAllInMentionOnlyModePushesEveryone() {
        let plan = compose(makeHook(to: ["a", "b", "c"], mentionAll: true), policy: PushPolicy(mentionOnlyAbove: 2))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom @all: hi"), force: true))
        XCTAssertEqual(plan.excluded, [])
    }
}
