import PushCompose
import Templates
import XCTest

/// The `mention` and `mentionAll` blocks: members overlay the push block, and `mentionAll`
/// falls back to `mention`.
final class MentionOverrideTests: XCTestCase {
    private static let withoutMentionAll = """
        name: default
        default: true
        push:
          alert: "{{sender.name}}: {{message.text}}"
          sound: default
        mention:
          alert: "{{sender.name}} mentioned you: {{message.text}}"
          sound: bell
        """

    private static let withMentionAll = withoutMentionAll + """

        mentionAll:
          alert: "{{sender.name}} @all: {{message.text}}"
        """

    func testMentionedReceiverGetsTheMentionBlockOverThePushBlock() throws {
        let set = try loadSet([(file: "default.yaml", text: Self.withoutMentionAll)])
        let plan = compose(set, makeHook(to: ["a"], mentioned: ["a"]))
        XCTAssertEqual(plan.answer.pushMessage, #"{"alert":"Tom mentioned you: hi","sound":"bell","badge":"Increment"}"#)
        XCTAssertEqual(plan.answer.force, true)
    }

    func testMentionAllFallsBackToTheMentionBlock() throws {
        let set = try loadSet([(file: "default.yaml", text: Self.withoutMentionAll)])
        let plan = compose(set, makeHook(to: ["a", "b"], mentionAll: true))
        XCTAssertEqual(plan.answer.pushMessage, #"{"alert":"Tom mentioned you: hi","sound":"bell","badge":"Increment"}"#)
    }

    func testMentionAllBlockOverlaysTheMentionBlock() throws {
        let set = try loadSet([(file: "default.yaml", text: Self.withMentionAll)])
        let all = compose(set, makeHook(to: ["a", "b"], mentionAll: true))
        XCTAssertEqual(all.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Tom @all: hi","sound":"bell","badge":"Increment"}"#, force: true))
        let you = compose(set, makeHook(to: ["a"], mentioned: ["a"]))
        XCTAssertEqual(you.answer.pushMessage, #"{"alert":"Tom mentioned you: hi","sound":"bell","badge":"Increment"}"#)
        let nobody = compose(set, makeHook(to: ["a"]))
        XCTAssertEqual(nobody.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Tom: hi","sound":"default","badge":"Increment"}"#))
    }

    func testWithoutMentionBlocksMentionedReceiversGetThePushBlockAndForce() throws {
        let set = try loadSet([(file: "default.yaml", text: minimalDefault)])
        let plan = compose(set, makeHook(to: ["a", "b"], mentioned: ["a", "b"]))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Tom: hi","badge":"Increment"}"#, force: true))
    }

    func testAMentionedMinorityIsCoalescedIntoThePlainPush() throws {
        let set = try loadSet([(file: "default.yaml", text: Self.withMentionAll)])
        let plan = compose(set, makeHook(to: ["a", "b", "c"], mentioned: ["b"]))
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Tom: hi","sound":"default","badge":"Increment"}"#))
        XCTAssertEqual(plan.coalesced.map(\.receiver), ["b"])
        XCTAssertEqual(plan.groups[plan.coalesced[0].wantedGroup].payload, #"{"alert":"Tom mentioned you: hi","sound":"bell","badge":"Increment"}"#)
    }
}
