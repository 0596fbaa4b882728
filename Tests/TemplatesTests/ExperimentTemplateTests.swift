import Foundation
import PushCompose
import Templates
import XCTest

/// Experiments declared in template files: parsed, checked by lint, and composed.
final class ExperimentTemplateTests: XCTestCase {
    static let experimentTemplate = """
        name: greeting
        match:
          conversations: ["room-*"]
        policy:
          truncate: 20
        experiment:
          name: greeting-test
          unit: UNIT
          minimumSample: 300
          openWindow: 12h
          analysis: sequential
          variants:
            plain:
              control: true
              weight: 50
            wave:
              weight: 50
              push:
                alert: "👋 {{sender.name}}: {{message.text}}"
              policy:
                truncate: 5
              locales:
                zh-Hans:
                  push:
                    alert: "👋 {{sender.name}}：{{message.text}}"
        """

    func set(unit: String = "conversation", extra: String = "") throws -> TemplateSet {
        try loadSet([
            (file: "default.yaml", text: minimalDefault),
            (file: "greeting.yaml", text: Self.experimentTemplate.replacingOccurrences(of: "UNIT", with: unit) + extra),
        ])
    }

    func testTheDesignIsReadAsWritten() throws {
        let design = try XCTUnwrap(set().experimentDesigns.first)
        XCTAssertEqual(design.name, "greeting-test")
        XCTAssertEqual(design.unit, "conversation")
        XCTAssertEqual(design.variants.map(\.name), ["plain", "wave"])
        XCTAssertEqual(design.variants.map(\.isControl), [true, false])
        XCTAssertEqual(design.minimumSample, 300)
        XCTAssertEqual(design.openWindow, 43_200)
        XCTAssertEqual(design.analysis, .sequential)
        XCTAssertFalse(design.bandit)
    }

    func testEveryReceiverOfAConversationGetsTheSameVariant() throws {
        let set = try set()
        var seen: Set<String> = []
        for index in 0..<40 {
            let plan = Composer(templates: set, registry: TestRegistry()).compose(
                makeHook(conversation: "room-\(index)", to: ["a", "b", "c", "d"], content: textContent("hello there")), call: "call-\(index)")
            XCTAssertEqual(plan.groups.count, 1, "one variant per conversation")
            let experiment = try XCTUnwrap(plan.experiment)
            XCTAssertEqual(Set(experiment.assignments.map(\.variant)).count, 1)
            XCTAssertEqual(experiment.assignments.map(\.unit), Array(repeating: "room-\(index)", count: 4))
            XCTAssertEqual(experiment.assignments.map(\.delivery), Array(repeating: .answer, count: 4))
            let payload = try decodeObject(try XCTUnwrap(plan.answer.pushMessage))
            let tag = try XCTUnwrap(payload["_pc"] as? [String: String])
            XCTAssertEqual(tag, ["id": "call-\(index)", "x": "greeting-test", "v": experiment.assignments[0].variant])
            // The variant's overrides: its alert and its own truncation.
            let alert = try XCTUnwrap(payload["alert"] as? String)
            if experiment.assignments[0].variant == "wave" {
                XCTAssertEqual(alert, "👋 Tom: hello…")
            } else {
                XCTAssertEqual(alert, "Tom: hello there")
            }
            seen.insert(experiment.assignments[0].variant)
        }
        XCTAssertEqual(seen, ["plain", "wave"])
    }

    func testAVariantOverridesLocalesToo() throws {
        let set = try set(unit: "receiver")
        let registry = TestRegistry(clients: ["zh-user": ClientEntry(locale: "zh-Hans")])
        let plan = Composer(templates: set, registry: registry, experiments: Forced(variant: "wave"))
            .compose(makeHook(conversation: "room-1", to: ["zh-user"], content: textContent("hi")))
        XCTAssertEqual(try alert(of: plan.answer.pushMessage), "👋 Tom：hi")
        XCTAssertEqual(plan.experiment?.assignments.first?.overridden, true)
    }

    func testReceiverUnitSplitsGroupsAndCoalescedReceiversAreNotExposed() throws {
        let set = try set(unit: "receiver")
        let receivers = (0..<30).map { "user-\($0)" }
        let plan = Composer(templates: set, registry: TestRegistry()).compose(makeHook(conversation: "room-9", to: receivers))
        let experiment = try XCTUnwrap(plan.experiment)
        XCTAssertEqual(Set(plan.groups.compactMap(\.variant)), ["plain", "wave"])
        // Without a custom channel everybody is in the one answer: only its variant's receivers saw theirs.
        let answered = try XCTUnwrap(plan.answeredGroup.flatMap { plan.groups[$0].variant })
        for assignment in experiment.assignments {
            XCTAssertEqual(assignment.delivery, assignment.variant == answered ? .answer : .notExposed, assignment.receiver)
        }
        XCTAssertTrue(experiment.assignments.contains { $0.delivery == .notExposed })
        // The same receiver keeps their variant in another conversation.
        let again = Composer(templates: set, registry: TestRegistry()).compose(makeHook(conversation: "room-10", to: receivers))
        XCTAssertEqual(again.experiment?.assignments.map(\.variant), experiment.assignments.map(\.variant))
    }

    func testReceiversWithACustomChannelGetTheirOwnVariant() throws {
        let set = try set(unit: "receiver")
        let receivers = (0..<30).map { "user-\($0)" }
        let withDevice = Set(receivers.prefix(20))
        let plan = Composer(templates: set, registry: DeviceRegistry(withDevice: withDevice)).compose(makeHook(conversation: "room-9", to: receivers))
        let experiment = try XCTUnwrap(plan.experiment)
        let custom = Set(plan.custom.map(\.receiver))
        for assignment in experiment.assignments {
            if custom.contains(assignment.receiver) {
                XCTAssertEqual(assignment.delivery, .custom)
                let group = plan.groups[plan.custom.first { $0.receiver == assignment.receiver }!.group]
                XCTAssertEqual(group.variant, assignment.variant)
            } else if !withDevice.contains(assignment.receiver) {
                XCTAssertNotEqual(assignment.delivery, .custom)
            }
        }
        XCTAssertFalse(custom.isEmpty)
    }

    func testOutsideItsTimeTheControlIsSentAndNothingRecorded() throws {
        let set = try set(extra: "\n  start: 2030-01-01T00:00:00Z\n  end: 2030-02-01T00:00:00Z\n")
        let before = Composer(templates: set, registry: TestRegistry())
            .compose(makeHook(conversation: "room-1", to: ["a"]), call: "c", now: Date(timeIntervalSince1970: 1_800_000_000).timeIntervalSince1970)
        XCTAssertNil(before.experiment)
        XCTAssertNil(try decodeObject(try XCTUnwrap(before.answer.pushMessage))["_pc"])
        let during = Composer(templates: set, registry: TestRegistry())
            .compose(makeHook(conversation: "room-1", to: ["a"]), call: "c", now: 1_894_000_000)
        XCTAssertNotNil(during.experiment)
        let after = Composer(templates: set, registry: TestRegistry()).compose(makeHook(conversation: "room-1", to: ["a"]), call: "c", now: 1_900_000_000)
        XCTAssertNil(after.experiment)
    }

    func testThePayloadMemberCanBeTurnedOff() throws {
        let set = try set(extra: "\n  payloadMember: false\n")
        let plan = Composer(templates: set, registry: TestRegistry()).compose(makeHook(conversation: "room-1", to: ["a"]), call: "c")
        XCTAssertNil(try decodeObject(try XCTUnwrap(plan.answer.pushMessage))["_pc"])
        XCTAssertNotNil(plan.experiment)
        var options = Composer.Options()
        options.experimentPayloadMember = false
        let off = Composer(templates: try self.set(), registry: TestRegistry(), options: options).compose(makeHook(conversation: "room-1", to: ["a"]), call: "c")
        XCTAssertNil(try decodeObject(try XCTUnwrap(off.answer.pushMessage))["_pc"])
    }

    func testThePayloadMemberIsWithinTheByteBudget() throws {
        var options = Composer.Options()
        options.maxPayloadBytes = 200
        let set = try loadSet([
            (file: "default.yaml", text: minimalDefault),
            (file: "greeting.yaml", text: Self.experimentTemplate.replacingOccurrences(of: "UNIT", with: "conversation").replacingOccurrences(of: "truncate: 20", with: "truncate: 1000")),
        ], options: options)
        let plan = Composer(templates: set, registry: TestRegistry(), options: options)
            .compose(makeHook(conversation: "room-1", to: ["a"], content: textContent(String(repeating: "long text ", count: 100))), call: UUID().uuidString)
        let payload = try XCTUnwrap(plan.answer.pushMessage)
        XCTAssertLessThanOrEqual(payload.utf8.count, 200)
        XCTAssertNotNil(try decodeObject(payload)["_pc"])
    }

    // MARK: Lint

    func testLintChecksTheExperiment() {
        func problems(_ experiment: String) -> [String] {
            lintProblems([
                (file: "default.yaml", text: minimalDefault),
                (file: "t.yaml", text: "name: t\nmatch:\n  conversations: [x]\nexperiment:\n" + experiment),
            ]).map(\.reason)
        }
        let noControl = problems("  name: e\n  variants:\n    a: {weight: 1}\n    b: {weight: 1}\n")
        XCTAssertTrue(noControl.contains { $0.contains("exactly one variant 'control: true' (found none)") }, "\(noControl)")
        let twoControls = problems("  name: e\n  variants:\n    a: {weight: 1, control: true}\n    b: {weight: 1, control: true}\n")
        XCTAssertTrue(twoControls.contains { $0.contains("(found a, b)") }, "\(twoControls)")
        let badWeight = problems("  name: e\n  variants:\n    a: {weight: -1, control: true}\n    b: {weight: 1}\n")
        XCTAssertTrue(badWeight.contains { $0.contains("'experiment.variants.a.weight' must be a number, 0 or more") }, "\(badWeight)")
        let zero = problems("  name: e\n  variants:\n    a: {weight: 0, control: true}\n    b: {weight: 0}\n")
        XCTAssertTrue(zero.contains { $0.contains("every weight is 0") }, "\(zero)")
        let unknown = problems("  name: e\n  colour: red\n  variants:\n    a: {weight: 1, control: true, sond: x}\n    b: {weight: 1}\n")
        XCTAssertTrue(unknown.contains { $0.contains("unknown key 'colour' in 'experiment'") }, "\(unknown)")
        XCTAssertTrue(unknown.contains { $0.contains("unknown key 'sond' in 'experiment.variants.a'") }, "\(unknown)")
        let one = problems("  name: e\n  variants:\n    a: {weight: 1, control: true}\n")
        XCTAssertTrue(one.contains { $0.contains("at least 2") }, "\(one)")
        let callWide = problems("  name: e\n  variants:\n    a: {weight: 1, control: true}\n    b: {weight: 1, policy: {builtin: false}}\n")
        XCTAssertTrue(callWide.contains { $0.contains("cannot differ between variants") }, "\(callWide)")
        let missingWeight = problems("  name: e\n  variants:\n    a: {control: true}\n    b: {weight: 1}\n")
        XCTAssertTrue(missingWeight.contains { $0.contains("variant 'a' needs a 'weight'") }, "\(missingWeight)")
        let badUnit = problems("  name: e\n  unit: user\n  variants:\n    a: {weight: 1, control: true}\n    b: {weight: 1}\n")
        XCTAssertTrue(badUnit.contains { $0.contains("must be one of: conversation, receiver") }, "\(badUnit)")
        let badTimes = problems("  name: e\n  start: 2030-02-01T00:00:00Z\n  end: 2030-01-01T00:00:00Z\n  variants:\n    a: {weight: 1, control: true}\n    b: {weight: 1}\n")
        XCTAssertTrue(badTimes.contains { $0.contains("'end' must be after 'start'") }, "\(badTimes)")
    }

    func testLintRefusesAnExperimentNameUsedTwice() {
        let experiment = "experiment:\n  name: same\n  variants:\n    a: {weight: 1, control: true}\n    b: {weight: 1}\n"
        let problems = lintProblems([
            (file: "default.yaml", text: minimalDefault),
            (file: "one.yaml", text: "name: one\nmatch:\n  conversations: [x]\n" + experiment),
            (file: "two.yaml", text: "name: two\nmatch:\n  conversations: [y]\n" + experiment),
        ]).map(\.reason)
        XCTAssertTrue(problems.contains("experiment name 'same' is already used by template 'one'"), "\(problems)")
    }

    func testLintTrialRendersEveryVariant() {
        let problems = lintProblems([
            (file: "default.yaml", text: minimalDefault),
            (file: "t.yaml", text: """
                name: t
                match:
                  conversations: [x]
                experiment:
                  name: e
                  variants:
                    a: {weight: 1, control: true}
                    huge:
                      weight: 1
                      push:
                        alert: "\(String(repeating: "x", count: 5000))"
                """),
        ]).map(\.reason)
        XCTAssertTrue(problems.contains { $0.hasPrefix("template 't', variant 'huge', fails to render") }, "\(problems)")
        XCTAssertFalse(problems.contains { $0.contains("variant 'a'") }, "\(problems)")
    }

    /// Every unit gets `variant`.
    struct Forced: ExperimentLookup {
        let variant: String
        func override(experiment: String, unit: String) -> String? { variant }
        func adaptiveWeights(experiment: String) -> [String: Double]? { nil }
    }

    struct DeviceRegistry: RegistryLookup {
        let withDevice: Set<String>
        func client(_ id: String) -> ClientEntry? { nil }
        func conversation(_ id: String) -> ConversationEntry? { nil }
        func mutedClients(conversation: String) -> Set<String> { [] }
        func hasCustomChannel(_ client: String) -> Bool { withDevice.contains(client) }
    }
}
