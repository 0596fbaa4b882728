import PushCompose
import XCTest

/// A template that cannot render never blocks a push: fail-open gives the default
/// template's payload; fail-closed leaves the receiver out. Either way it is recorded.
final class RenderFailureTests: XCTestCase {
    private let limit = 300

    /// Fixed text alone is larger than the budget.
    private var oversized: TestTemplate {
        TestTemplate(name: "huge") { input in
            [(key: "alert", value: .string(String(repeating: "x", count: 500) + input.text))]
        }
    }

    private func compose(selected: TestTemplate, failOpen: Bool, _ hook: ReceiversOfflineHook = makeHook()) -> HookPlan {
        Composer(
            templates: TestSelector(TestTemplate(), selected: selected),
            options: Composer.Options(maxPayloadBytes: limit, failOpen: failOpen)
        ).compose(hook)
    }

    func testFixedTextOverTheBudgetFailsOpenToTheDefaultPayload() {
        let plan = compose(selected: oversized, failOpen: true)
        XCTAssertEqual(plan.template, "huge")
        XCTAssertEqual(
            plan.renderFailures,
            [
                RenderFailure(
                    receiver: "Jerry", template: "huge", reason: "payload exceeds 300 bytes even with the message text left out",
                    fellBackTo: "default")
            ])
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom: hi")))
        XCTAssertEqual(plan.groups.map(\.template), ["default"])
        XCTAssertEqual(plan.excluded, [])
    }

    func testFixedTextOverTheBudgetFailClosedExcludesTheReceiver() {
        let plan = compose(selected: oversized, failOpen: false)
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(skip: true))
        XCTAssertEqual(plan.excluded, ["Jerry"])
        XCTAssertEqual(plan.renderFailures.map(\.fellBackTo), [nil])
        XCTAssertEqual(plan.renderFailures.map(\.receiver), ["Jerry"])
    }

    func testATemplateThatThrowsIsARenderFailure() {
        struct Broken: Error, CustomStringConvertible {
            var description: String { "no such partial" }
        }
        let throwing = TestTemplate(name: "throwing") { _ in throw Broken() }
        let open = compose(selected: throwing, failOpen: true, makeHook(to: ["a", "b"]))
        XCTAssertEqual(open.renderFailures.map(\.reason), ["no such partial", "no such partial"])
        XCTAssertEqual(open.renderFailures.map(\.fellBackTo), ["default", "default"])
        XCTAssertEqual(open.answer, ReceiversOfflineAnswer(pushMessage: standardPayload("Tom: hi")))

        let closed = compose(selected: throwing, failOpen: false, makeHook(to: ["a", "b"]))
        XCTAssertEqual(closed.answer, .skipBuiltinPush)
        XCTAssertEqual(closed.excluded, ["a", "b"])
    }

    func testOnlyTheReceiverWhoseRenderFailsIsAffected() {
        // The payload carries the receiver's name; one name is too long for the budget.
        let personal = TestTemplate(name: "personal", dependsOnReceiverIdentity: true) { input in
            [(key: "alert", value: .string("\(input.receiver.name), \(input.sender.name): \(input.text)"))]
        }
        let longName = String(repeating: "n", count: 400)
        let registry = TestRegistry(clients: ["long": ClientEntry(name: longName)])
        func compose(failOpen: Bool) -> HookPlan {
            Composer(
                templates: TestSelector(TestTemplate(), selected: personal), registry: registry,
                options: Composer.Options(maxPayloadBytes: limit, failOpen: failOpen)
            ).compose(makeHook(to: ["a", "long", "b"]))
        }

        let closed = compose(failOpen: false)
        XCTAssertEqual(closed.excluded, ["long"])
        XCTAssertEqual(closed.answer.offlinePeers, ["a", "b"])
        XCTAssertEqual(closed.groups.map(\.receivers), [["a"], ["b"]])
        XCTAssertEqual(closed.renderFailures.map(\.receiver), ["long"])

        let open = compose(failOpen: true)
        XCTAssertEqual(open.excluded, [])
        XCTAssertNil(open.answer.offlinePeers)
        XCTAssertEqual(open.groups.map(\.receivers), [["a"], ["long"], ["b"]])
        XCTAssertEqual(open.groups[1].payload, standardPayload("Tom: hi"))
        XCTAssertEqual(open.groups[1].template, "default")
        XCTAssertEqual(open.renderFailures, [
            RenderFailure(
                receiver: "long", template: "personal", reason: "payload exceeds 300 bytes even with the message text left out",
                fellBackTo: "default")
        ])
    }

    func testWhenTheDefaultTemplateItselfFailsTheReceiverIsExcluded() {
        let composer = Composer(templates: TestSelector(oversized), options: Composer.Options(maxPayloadBytes: limit, failOpen: true))
        let plan = composer.compose(makeHook())
        XCTAssertEqual(plan.answer, .skipBuiltinPush)
        XCTAssertEqual(plan.excluded, ["Jerry"])
        XCTAssertEqual(plan.renderFailures.map(\.fellBackTo), [nil])
    }
}
