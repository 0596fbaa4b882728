import PushCompose
import XCTest

/// Grouping receivers' pushes and coalescing them into the one answer the hook allows.
final class PushPlannerTests: XCTestCase {
    private let plain = #"{"alert":"Tom: hi"}"#
    private let mentionPayload = #"{"alert":"Tom mentioned you: hi"}"#
    private let chinese = #"{"alert":"Tom：hi"}"#

    private func push(_ receiver: String, _ payload: String, force: Bool = false, mention: Mention = .none) -> ReceiverPush {
        ReceiverPush(receiver: receiver, payload: payload, force: force, mention: mention, template: "default", locale: nil)
    }

    private func plan(_ pushes: [ReceiverPush], requested: [String]? = nil, builtin: Bool = true, excluded: [String] = []) -> HookPlan {
        PushPlanner.plan(
            pushes: pushes, requested: requested ?? pushes.map(\.receiver), template: "default", builtin: builtin,
            excluded: excluded, renderFailures: [])
    }

    func testIdenticalPayloadAndForceShareAGroupInFirstSeenOrder() {
        let groups = PushPlanner.group([
            push("a", plain), push("b", chinese), push("c", plain), push("d", plain, force: true, mention: .you),
            push("e", chinese),
        ])
        XCTAssertEqual(groups.map(\.receivers), [["a", "c"], ["b", "e"], ["d"]])
        XCTAssertEqual(groups.map(\.payload), [plain, chinese, plain])
        XCTAssertEqual(groups.map(\.force), [false, false, true])
        XCTAssertEqual(groups.map(\.hasMentions), [false, false, true])
    }

    func testManyGroupsStillGroupByPayloadAndForce() {
        // Past a handful of groups the planner switches from scanning to an index.
        let payloads = (0..<12).map { #"{"alert":"locale \#($0)"}"# }
        var pushes: [ReceiverPush] = []
        for round in 0..<3 {
            for (index, payload) in payloads.enumerated() {
                pushes.append(push("r\(round)-\(index)", payload, force: index == 11))
            }
        }
        pushes.append(push("late", payloads[11], force: false))
        let groups = PushPlanner.group(pushes)
        XCTAssertEqual(groups.map(\.payload), payloads + [payloads[11]])
        XCTAssertEqual(groups.prefix(12).map(\.receivers), (0..<12).map { index in (0..<3).map { "r\($0)-\(index)" } })
        XCTAssertEqual(groups.map(\.force), Array(repeating: false, count: 11) + [true, false])
        XCTAssertEqual(groups.last?.receivers, ["late"])
    }

    func testSingleGroupAnswersWithoutRepeatingThePeers() {
        let plan = plan([push("a", plain), push("b", plain)])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: plain))
        XCTAssertEqual(plan.answeredGroup, 0)
        XCTAssertEqual(plan.coalesced, [])
        XCTAssertEqual(plan.custom, [])
    }

    func testLargestGroupWinsAndTheOthersAreCoalesced() {
        let plan = plan([push("a", chinese), push("b", plain), push("c", plain), push("d", chinese), push("e", plain)])
        XCTAssertEqual(plan.answeredGroup, 1)
        XCTAssertEqual(plan.answer.pushMessage, plain)
        XCTAssertNil(plan.answer.offlinePeers)  // everyone requested is pushed, in order
        XCTAssertNil(plan.answer.force)
        XCTAssertEqual(plan.coalesced, [.init(receiver: "a", wantedGroup: 0), .init(receiver: "d", wantedGroup: 0)])
    }

    func testOnATieTheGroupWithoutMentionsWins() {
        // The mentioned group comes first, so "first wins" would pick it.
        let plan = plan([push("m", mentionPayload, mention: .you), push("p", plain)])
        XCTAssertEqual(plan.answeredGroup, 1)
        XCTAssertEqual(plan.answer.pushMessage, plain)
        XCTAssertEqual(plan.coalesced, [.init(receiver: "m", wantedGroup: 0)])

        let reversed = self.plan([push("p", plain), push("m", mentionPayload, mention: .all)])
        XCTAssertEqual(reversed.answeredGroup, 0)
        XCTAssertEqual(reversed.answer.pushMessage, plain)
    }

    func testOnATieBetweenGroupsAlikeTheFirstWins() {
        let plan = plan([push("a", chinese), push("b", plain)])
        XCTAssertEqual(plan.answeredGroup, 0)
        XCTAssertEqual(plan.answer.pushMessage, chinese)
    }

    func testSizeBeatsMentions() {
        let plan = plan([push("a", plain), push("m1", mentionPayload, mention: .you), push("m2", mentionPayload, mention: .you)])
        XCTAssertEqual(plan.answer.pushMessage, mentionPayload)
    }

    func testForceOnlyWhenEveryReceiverIsForced() {
        let all = plan([push("a", plain, force: true), push("b", plain, force: true)])
        XCTAssertEqual(all.answer, ReceiversOfflineAnswer(pushMessage: plain, force: true))
        XCTAssertEqual(all.coalesced, [])

        let some = plan([push("a", plain, force: true), push("b", plain, force: false), push("c", plain, force: false)])
        XCTAssertEqual(some.answer, ReceiversOfflineAnswer(pushMessage: plain))
        XCTAssertNil(some.answer.force)
        // "a" wanted to be pushed through a mute and is not: a coarser push.
        XCTAssertEqual(some.coalesced, [.init(receiver: "a", wantedGroup: 0)])
    }

    func testReceiversWhoGetExactlyWhatTheyAskedForAreNotCoalesced() {
        // The forced group is largest, but not everyone is forced, so the answer is the
        // plain payload without force: exactly what "c" asked for.
        let plan = plan([push("a", plain, force: true), push("b", plain, force: true), push("c", plain, force: false)])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: plain))
        XCTAssertEqual(plan.answeredGroup, 0)
        XCTAssertEqual(plan.coalesced.map(\.receiver), ["a", "b"])
        XCTAssertEqual(plan.coalesced.map(\.wantedGroup), [0, 0])
    }

    func testOfflinePeersArePresentWhenTheAnswerPushesFewerThanRequested() {
        let plan = plan([push("b", plain)], requested: ["a", "b", "c"], excluded: ["a", "c"])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(offlinePeers: ["b"], pushMessage: plain))
        XCTAssertEqual(plan.excluded, ["a", "c"])
    }

    func testNoPushesAnswersSkip() {
        let plan = plan([], requested: ["a"], excluded: ["a"])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(skip: true))
        XCTAssertEqual(JSONEncoding.string(plan.answer.json), #"{"skip":true}"#)
        XCTAssertNil(plan.answeredGroup)
        XCTAssertEqual(plan.groups, [])
    }

    func testBuiltinFalseSkipsAndSendsEveryGroupItself() {
        let pushes = [push("a", plain), push("b", chinese), push("c", plain), push("d", plain, force: true)]
        let plan = PushPlanner.plan(
            pushes: pushes, requested: pushes.map(\.receiver), template: "default", builtin: false, excluded: [],
            renderFailures: [], hasCustomChannel: { $0 != "c" })
        XCTAssertEqual(plan.answer, .skipBuiltinPush)
        XCTAssertEqual(JSONEncoding.string(plan.answer.json), #"{"skip":true}"#)
        XCTAssertEqual(plan.custom, [.init(receiver: "a", group: 0), .init(receiver: "b", group: 1), .init(receiver: "d", group: 2)])
        XCTAssertEqual(plan.undeliverable, ["c"])
        XCTAssertEqual(plan.groups.map(\.receivers), [["a", "c"], ["b"], ["d"]])
        XCTAssertNil(plan.answeredGroup)
        XCTAssertEqual(plan.coalesced, [])
    }

    func testComposerWithABuiltinFalseTemplateSkipsAndListsEveryGroup() {
        let template = TestTemplate(policy: PushPolicy(builtin: false))
        let plan = Composer(templates: TestSelector(template)).compose(makeHook(to: ["a", "b", "c"], mentioned: ["b"]))
        XCTAssertEqual(JSONEncoding.string(plan.answer.json), #"{"skip":true}"#)
        XCTAssertEqual(plan.groups.map(\.receivers), [["a", "c"], ["b"]])
        XCTAssertEqual(plan.groups.map(\.force), [false, true])
        // Nobody has a device: nobody can be sent to.
        XCTAssertEqual(plan.custom, [])
        XCTAssertEqual(plan.undeliverable, ["a", "c", "b"])
        XCTAssertEqual(plan.coalesced, [])
    }

    // MARK: - Payloads that name their receiver

    private func named(_ receiver: String, name: String? = nil, force: Bool = false, mention: Mention = .none) -> ReceiverPush {
        ReceiverPush(
            receiver: receiver, payload: #"{"alert":"Hi \#(name ?? receiver)"}"#, force: force, mention: mention,
            template: "default", locale: nil, unnamedPayload: #"{"alert":"Hi "}"#)
    }

    func testAPayloadThatNamesItsReceiverIsNeverAnsweredToAnother() {
        let plan = plan([named("a"), named("b"), named("c")])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Hi "}"#))
        XCTAssertEqual(plan.answeredGroup, 0)
        XCTAssertEqual(plan.groups.map(\.payload), [#"{"alert":"Hi a"}"#, #"{"alert":"Hi b"}"#, #"{"alert":"Hi c"}"#])
        XCTAssertEqual(plan.depersonalized, ["a", "b", "c"])
        XCTAssertEqual(plan.coalesced, [.init(receiver: "a", wantedGroup: 0), .init(receiver: "b", wantedGroup: 1), .init(receiver: "c", wantedGroup: 2)])
    }

    func testAPayloadThatNamesItsReceiverGoesToThemWhenTheyAreAlone() {
        let plan = plan([named("a")])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Hi a"}"#))
        XCTAssertEqual(plan.depersonalized, [])
        XCTAssertEqual(plan.coalesced, [])
    }

    func testReceiversWhoAskedForTheVerySamePayloadGetIt() {
        // Two receivers of the same name: one payload, theirs, though one wanted it forced.
        let plan = plan([named("a", name: "Alex"), named("b", name: "Alex", force: true, mention: .you)])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Hi Alex"}"#))
        XCTAssertEqual(plan.depersonalized, [])
        XCTAssertEqual(plan.coalesced, [.init(receiver: "b", wantedGroup: 1)])
    }

    func testAnAnswerThatNamesNoOneIsKeptAndThoseNamedElsewhereAreListed() {
        // The largest group's payload names no one (the unnamed render is the same): it is the
        // answer, and the receiver whose own push named them gets it instead.
        let unnamedAlike = ReceiverPush(
            receiver: "x", payload: plain, force: false, mention: .none, template: "default", locale: nil, unnamedPayload: plain)
        var y = unnamedAlike
        y.receiver = "y"
        let plan = plan([unnamedAlike, named("b", mention: .you), y])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: plain))
        XCTAssertEqual(plan.answeredGroup, 0)
        XCTAssertEqual(plan.depersonalized, ["b"])
        XCTAssertEqual(plan.coalesced, [.init(receiver: "b", wantedGroup: 1)])
    }
}
