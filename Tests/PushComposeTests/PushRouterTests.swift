import PushCompose
import XCTest

/// Where each receiver's push goes once some receivers have a device on the service's own
/// channel: the answer, the custom channel, or nowhere; never two of them.
final class PushRouterTests: XCTestCase {
    private let plain = #"{"alert":"Tom: hi"}"#
    private let mentionPayload = #"{"alert":"Tom mentioned you: hi"}"#

    private func push(_ receiver: String, _ payload: String, force: Bool = false) -> ReceiverPush {
        ReceiverPush(receiver: receiver, payload: payload, force: force, mention: .none, template: "default", locale: nil)
    }

    private func plan(
        _ pushes: [ReceiverPush], devices: Set<String>, muted: Set<String> = [], builtin: Bool = true
    ) -> HookPlan {
        PushPlanner.plan(
            pushes: pushes, requested: pushes.map(\.receiver), template: "default", builtin: builtin, excluded: [],
            renderFailures: [], muted: muted, hasCustomChannel: devices.contains)
    }

    /// Everyone reached exactly once: the answer's receivers, the custom channel's, the
    /// undeliverable and the muted-on-custom are disjoint and cover every push.
    private func assertEachReceiverRoutedOnce(_ plan: HookPlan, _ pushes: [ReceiverPush], file: StaticString = #filePath, line: UInt = #line) {
        let answered = plan.answer.skip == true ? [] : (plan.answer.offlinePeers ?? pushes.map(\.receiver))
        let routed = answered + plan.custom.map(\.receiver) + plan.undeliverable
            + plan.mutedUnforced.filter { !answered.contains($0) }
        XCTAssertEqual(routed.sorted(), pushes.map(\.receiver).sorted(), file: file, line: line)
    }

    func testOtherGroupsGoToTheCustomChannelAndTheAnswerNamesOnlyItsReceivers() {
        let pushes = [push("a", plain), push("b", mentionPayload, force: true), push("c", plain)]
        let plan = plan(pushes, devices: ["a", "b", "c"])
        XCTAssertEqual(plan.answeredGroup, 0)
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(offlinePeers: ["a", "c"], pushMessage: plain))
        XCTAssertEqual(plan.custom, [.init(receiver: "b", group: 1)])
        XCTAssertEqual(plan.coalesced, [])
        assertEachReceiverRoutedOnce(plan, pushes)
    }

    func testReceiversWithoutADeviceAreCoalescedIntoTheAnswer() {
        let pushes = [push("a", plain), push("b", mentionPayload, force: true), push("c", plain), push("d", mentionPayload, force: true)]
        let plan = plan(pushes, devices: ["b"])
        XCTAssertEqual(plan.custom, [.init(receiver: "b", group: 1)])
        XCTAssertEqual(plan.coalesced, [.init(receiver: "d", wantedGroup: 1)])
        // d wanted force, a and c did not: the answer is not forced.
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(offlinePeers: ["a", "c", "d"], pushMessage: plain))
        assertEachReceiverRoutedOnce(plan, pushes)
    }

    func testTheAnswerIsForcedWhenEveryoneLeftInItIsForced() {
        // Without routing the unforced receiver would drop the answer's force for everyone.
        let pushes = [push("a", mentionPayload, force: true), push("b", mentionPayload, force: true), push("c", plain)]
        let plan = plan(pushes, devices: ["c"])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(offlinePeers: ["a", "b"], pushMessage: mentionPayload, force: true))
        XCTAssertEqual(plan.custom, [.init(receiver: "c", group: 1)])
        XCTAssertEqual(plan.coalesced, [])
    }

    func testTheAnswerCarriesTheGroupThatLeavesFewestWithAnotherPayload() {
        // Three receivers want `plain` but all have devices; two want the mention and have none.
        let pushes = [push("a", plain), push("b", plain), push("c", plain), push("m", mentionPayload), push("n", mentionPayload)]
        let plan = plan(pushes, devices: ["a", "b", "c"])
        XCTAssertEqual(plan.answeredGroup, 1)
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(offlinePeers: ["m", "n"], pushMessage: mentionPayload))
        XCTAssertEqual(Set(plan.custom.map(\.receiver)), ["a", "b", "c"])
        XCTAssertEqual(plan.coalesced, [])
    }

    func testWithoutDevicesTheLargestGroupIsAnsweredAsBefore() {
        let pushes = [push("m", mentionPayload), push("a", plain), push("b", plain)]
        let plan = plan(pushes, devices: [])
        XCTAssertEqual(plan.answeredGroup, 1)
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: plain))
        XCTAssertEqual(plan.coalesced, [.init(receiver: "m", wantedGroup: 0)])
    }

    func testBuiltinFalseWithoutADeviceIsUndeliverable() {
        let pushes = [push("a", plain), push("b", mentionPayload, force: true)]
        let plan = plan(pushes, devices: ["b"], builtin: false)
        XCTAssertEqual(plan.answer, .skipBuiltinPush)
        XCTAssertEqual(plan.custom, [.init(receiver: "b", group: 1)])
        XCTAssertEqual(plan.undeliverable, ["a"])
        assertEachReceiverRoutedOnce(plan, pushes)
    }

    func testMutesHoldOnTheCustomChannelUnlessThePushIsForced() {
        let pushes = [push("a", plain), push("b", plain), push("m", mentionPayload), push("f", mentionPayload, force: true)]
        let plan = plan(pushes, devices: ["m", "f"], muted: ["m", "f", "a"])
        XCTAssertEqual(plan.custom, [.init(receiver: "f", group: 2)])
        // a stays in the answer (the built-in push skips it); m is sent nowhere.
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(offlinePeers: ["a", "b"], pushMessage: plain))
        XCTAssertEqual(Set(plan.mutedUnforced), ["m", "a"])
        assertEachReceiverRoutedOnce(plan, pushes)
    }

    func testBuiltinFalseHoldsMutesToo() {
        let pushes = [push("a", plain), push("f", plain, force: true)]
        let plan = plan(pushes, devices: ["a", "f"], muted: ["a", "f"], builtin: false)
        XCTAssertEqual(plan.custom, [.init(receiver: "f", group: 1)])
        XCTAssertEqual(plan.mutedUnforced, ["a"])
    }

    func testAPersonalPayloadGoesToItsOwnerThroughTheCustomChannel() {
        func named(_ receiver: String) -> ReceiverPush {
            ReceiverPush(
                receiver: receiver, payload: #"{"alert":"Hi \#(receiver)"}"#, force: false, mention: .none,
                template: "default", locale: nil, unnamedPayload: #"{"alert":"Hi "}"#)
        }
        let plan = plan([named("a"), named("b"), named("c")], devices: ["b", "c"])
        // a is alone in the answer: its own payload, not the unnamed one.
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(offlinePeers: ["a"], pushMessage: #"{"alert":"Hi a"}"#))
        XCTAssertEqual(plan.custom.map(\.receiver), ["b", "c"])
        XCTAssertEqual(plan.depersonalized, [])
    }

    func testTheComposerRoutesThroughItsRegistry() {
        struct Devices: RegistryLookup {
            var withDevice: Set<String>
            func client(_ id: String) -> ClientEntry? { nil }
            func conversation(_ id: String) -> ConversationEntry? { nil }
            func mutedClients(conversation: String) -> Set<String> { [] }
            func hasCustomChannel(_ client: String) -> Bool { withDevice.contains(client) }
        }
        let template = TestTemplate(policy: PushPolicy(forceOnMute: .mentions))
        let plan = Composer(templates: TestSelector(template), registry: Devices(withDevice: ["b"]))
            .compose(makeHook(to: ["a", "b", "c"], mentioned: ["b"]))
        XCTAssertEqual(plan.answer.offlinePeers, ["a", "c"])
        XCTAssertEqual(plan.custom.map(\.receiver), ["b"])
        XCTAssertTrue(plan.groups[plan.custom[0].group].force)
    }
}
