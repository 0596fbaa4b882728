import PushCompose
import XCTest

/// `force` in the answer: never, mentions or always.
final class ForceOnMuteTests: XCTestCase {
    private func compose(_ force: ForceOnMute, _ hook: ReceiversOfflineHook) -> HookPlan {
        Composer(templates: TestSelector(TestTemplate(policy: PushPolicy(forceOnMute: force)))).compose(hook)
    }

    func testForcesTable() {
        XCTAssertEqual([false, true].map(ForceOnMute.never.forces), [false, false])
        XCTAssertEqual([false, true].map(ForceOnMute.mentions.forces), [false, true])
        XCTAssertEqual([false, true].map(ForceOnMute.always.forces), [true, true])
    }

    func testNeverForcesEvenWhenEveryoneIsMentioned() {
        let plan = compose(.never, makeHook(to: ["a", "b"], mentioned: ["a", "b"]))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom mentioned you: hi")))
        XCTAssertNil(plan.answer.force)
    }

    func testAlwaysForcesEveryone() {
        let plan = compose(.always, makeHook(to: ["a", "b"]))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom: hi"), force: true))
    }

    func testMentionsWithEveryoneMentionedForcesWithTheMentionText() {
        let plan = compose(.mentions, makeHook(to: ["a", "b"], mentioned: ["a", "b"]))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom mentioned you: hi"), force: true))
        XCTAssertEqual(JSONEncoding.string(plan.answer.json).hasSuffix(#","force":true}"#), true)
        XCTAssertEqual(plan.coalesced, [])
    }

    func testMentionsWithMentionAllForcesWithTheMentionAllText() {
        let plan = compose(.mentions, makeHook(to: ["a", "b"], mentionAll: true))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom @all: hi"), force: true))
    }

    func testMentionsWithSomeMentionedCarriesTheLargestGroupWithoutForce() {
        let plan = compose(.mentions, makeHook(to: ["a", "b", "c", "d"], mentioned: ["b", "d"]))
        // Two groups of two: the tie goes to the group without mentions.
        XCTAssertEqual(plan.groups.map(\.receivers), [["a", "c"], ["b", "d"]])
        XCTAssertEqual(plan.groups.map(\.force), [false, true])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom: hi")))
        XCTAssertNil(plan.answer.force)
        XCTAssertEqual(plan.coalesced.map(\.receiver), ["b", "d"])
        XCTAssertEqual(plan.coalesced.map(\.wantedGroup), [1, 1])
    }

    func testMentionsWithAMentionedMinority() {
        let plan = compose(.mentions, makeHook(to: ["a", "b", "c"], mentioned: ["c"]))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom: hi")))
        XCTAssertEqual(plan.coalesced, [HookPlan.Coalesced(receiver: "c", wantedGroup: 1)])
    }

    func testTheAuditNamesMutedReceiversTheAnswerDoesNotForce() {
        let registry = TestRegistry(mutes: ["conv-1": ["a", "c"], "conv-2": ["b"]])
        func plan(_ force: ForceOnMute, mentioned: [String] = []) -> HookPlan {
            Composer(templates: TestSelector(TestTemplate(policy: PushPolicy(forceOnMute: force))), registry: registry)
                .compose(makeHook(conversation: "conv-1", to: ["a", "b", "c"], mentioned: mentioned))
        }
        // Unforced: the built-in push skips a and c, who muted conv-1 (b muted another one).
        XCTAssertEqual(plan(.never).mutedUnforced, ["a", "c"])
        // Mentions force only when every receiver is mentioned; a mentioned minority is not forced.
        XCTAssertEqual(plan(.mentions, mentioned: ["a"]).mutedUnforced, ["a", "c"])
        XCTAssertEqual(plan(.mentions, mentioned: ["a", "b", "c"]).mutedUnforced, [])
        XCTAssertEqual(plan(.always).mutedUnforced, [])
    }
}
