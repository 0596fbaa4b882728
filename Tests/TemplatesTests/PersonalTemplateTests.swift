import PushCompose
import Templates
import XCTest

/// A template that names its receiver (`receiver.id`, `receiver.name`): its payload never
/// reaches anyone else. Where the answer's one payload goes to several receivers it carries
/// the template rendered without a receiver, and the plan names the receivers concerned.
final class PersonalTemplateTests: XCTestCase {
    private let names = ["Jerry", "Spike", "Tyke"]
    private let registry = TestRegistry(clients: [
        "Tom": ClientEntry(name: "Tom"), "Jerry": ClientEntry(name: "Jerry"), "Spike": ClientEntry(name: "Spike"),
        "Tyke": ClientEntry(name: "Tyke"),
    ])

    private func template(_ body: String) -> [(file: String, text: String)] {
        [(file: "default.yaml", text: "name: default\ndefault: true\n" + body)]
    }

    private let greeting = "push:\n  alert: \"Hi {{receiver.name}}, {{sender.name}}: {{message.text}}\"\n"

    /// Every payload that can reach a receiver: the answer's, for everyone in it.
    private func answeredAlerts(_ plan: HookPlan) throws -> [String: String] {
        guard let payload = plan.answer.pushMessage else { return [:] }
        let text = try alert(of: payload)
        let receivers = plan.answer.offlinePeers ?? plan.groups.flatMap(\.receivers)
        return Dictionary(uniqueKeysWithValues: receivers.map { ($0, text) })
    }

    /// No receiver is answered with a payload that names someone else.
    private func assertNoOneSeesAnotherName(_ plan: HookPlan, file: StaticString = #filePath, line: UInt = #line) throws {
        for (receiver, text) in try answeredAlerts(plan) {
            for other in names where other != receiver {
                XCTAssertFalse(text.contains(other), "\(receiver) is answered with '\(text)'", file: file, line: line)
            }
        }
    }

    func testAGroupMessageNeverCarriesOneReceiversName() throws {
        let set = try loadSet(template(greeting))
        let plan = compose(set, makeHook(to: names, content: textContent("lunch?")), registry: registry)
        try assertNoOneSeesAnotherName(plan)
        XCTAssertEqual(try alert(of: plan.answer.pushMessage), "Hi , Tom: lunch?")
        XCTAssertEqual(plan.depersonalized, names)
        // Each receiver's own render is still what the template asked for (custom delivery will send it).
        XCTAssertEqual(try alertsByReceiver(plan), [
            "Jerry": "Hi Jerry, Tom: lunch?", "Spike": "Hi Spike, Tom: lunch?", "Tyke": "Hi Tyke, Tom: lunch?",
        ])
    }

    func testAOneToOneMessageKeepsThePersonalPush() throws {
        let set = try loadSet(template(greeting))
        let plan = compose(set, makeHook(to: ["Jerry"], content: textContent("lunch?")), registry: registry)
        XCTAssertEqual(try alert(of: plan.answer.pushMessage), "Hi Jerry, Tom: lunch?")
        XCTAssertEqual(plan.depersonalized, [])
        XCTAssertEqual(plan.coalesced, [])
    }

    func testMentionOverridesThatNameTheReceiverStayWithThem() throws {
        let set = try loadSet(template("""
            push:
              alert: "{{sender.name}}: {{message.text}}"
            mention:
              alert: "{{receiver.name}}, {{sender.name}} mentioned you: {{message.text}}"
            """))
        // One mentioned among three: the answer is the plain group's, which names no one.
        let one = compose(set, makeHook(to: names, mentioned: ["Spike"]), registry: registry)
        try assertNoOneSeesAnotherName(one)
        XCTAssertEqual(try alert(of: one.answer.pushMessage), "Tom: hi")
        XCTAssertEqual(one.depersonalized, ["Spike"])

        // Everyone mentioned: each would get their own name; the answer names no one.
        let all = compose(set, makeHook(to: names, mentioned: names), registry: registry)
        try assertNoOneSeesAnotherName(all)
        XCTAssertEqual(try alert(of: all.answer.pushMessage), ", Tom mentioned you: hi")
        XCTAssertEqual(all.answer.force, true)
        XCTAssertEqual(all.depersonalized, names)
    }

    func testTheTemplateKnowsWhetherItNamesItsReceiver() throws {
        let naming = [
            "push:\n  alert: \"{{receiver.id}}\"\n",
            "push:\n  alert: x\nmention:\n  alert: \"{{receiver.name}}\"\n",
            "push:\n  alert: x\nmentionAll:\n  alert: \"{{{receiver.name}}}\"\n",
            "push:\n  alert: x\nlocales:\n  fr:\n    push:\n      alert: \"{{& receiver.name}}\"\n",
            "push:\n  alert: x\n  aps:\n    list: [\"{{receiver.id}}\"]\n",
            "push:\n  alert: \"{{#mentionAll}}{{receiver.name}}{{/mentionAll}}\"\n",
            "push:\n  alert: \"{{#receiver}}{{name}}{{/receiver}}\"\n",
            "push:\n  alert: \"{{#mentionAll}}{{uppercased(receiver.name)}}{{/mentionAll}}\"\n",
        ]
        for body in naming {
            XCTAssertTrue(try loadSet(template(body)).defaultTemplate.namesReceiver, body)
        }
        let notNaming = [
            "push:\n  alert: \"{{sender.name}}: {{message.text}} {{receiver.locale}} {{receiver.mentioned}}\"\n",
            "push:\n  alert: \"{{#receiver.mentioned}}@ {{/receiver.mentioned}}{{sender.id}}\"\n",
            // Placeholders are shown as written, never rendered.
            "placeholders:\n  image: \"{{receiver.name}}\"\npush:\n  alert: \"{{message.text}}\"\n",
        ]
        for body in notNaming {
            XCTAssertFalse(try loadSet(template(body)).defaultTemplate.namesReceiver, body)
        }
        // A template that inherits a naming payload names its receiver too.
        let inheriting = try loadSet(template(greeting) + [(file: "image.yaml", text: "name: image\nmatch:\n  kinds: [image]\n")])
        XCTAssertTrue(try XCTUnwrap(inheriting.templates.first { $0.name == "image" }).namesReceiver)
    }

    func testTheRenderWithoutAReceiverSeesTheirIdAndNameAsMissing() throws {
        // Missing, not merely empty: a section on them is false, so a template can word both forms.
        let set = try loadSet(template("""
            push:
              alert: "{{#receiver.name}}Hi {{receiver.name}}, {{/receiver.name}}{{^receiver.name}}Hi all, {{/receiver.name}}{{sender.name}}: {{message.text}}"
              who: "[{{receiver.id}}|{{receiver.locale}}|{{receiver.mentioned}}]"
            """))
        let registry = TestRegistry(clients: ["Jerry": ClientEntry(locale: "fr"), "Spike": ClientEntry(locale: "fr")])
        let group = compose(set, makeHook(to: ["Jerry", "Spike"], mentionAll: true), registry: registry)
        let answer = try decodeObject(XCTUnwrap(group.answer.pushMessage))
        XCTAssertEqual(answer["alert"] as? String, "Hi all, Tom: hi")
        // The receiver's locale and mention stay those of the group the answer stands for.
        XCTAssertEqual(answer["who"] as? String, "[|fr|true]")

        let alone = compose(set, makeHook(to: ["Jerry"], mentionAll: true), registry: registry)
        let personal = try decodeObject(XCTUnwrap(alone.answer.pushMessage))
        XCTAssertEqual(personal["alert"] as? String, "Hi Jerry, Tom: hi")
        XCTAssertEqual(personal["who"] as? String, "[Jerry|fr|true]")
    }

    func testEachLocaleAnswersItsOwnRenderWithoutAReceiver() throws {
        let set = try loadSet(template("""
            push:
              alert: "Hi {{receiver.name}}: {{message.text}}"
            locales:
              fr:
                push:
                  alert: "Salut {{receiver.name}} : {{message.text}}"
            """))
        let registry = TestRegistry(clients: [
            "Jerry": ClientEntry(name: "Jerry", locale: "fr"), "Spike": ClientEntry(name: "Spike", locale: "fr"),
            "Tyke": ClientEntry(name: "Tyke", locale: "en"),
        ])
        let plan = compose(set, makeHook(to: names), registry: registry)
        try assertNoOneSeesAnotherName(plan)
        XCTAssertEqual(try alert(of: plan.answer.pushMessage), "Salut  : hi")
        XCTAssertEqual(plan.groups[try XCTUnwrap(plan.answeredGroup)].locale, "fr")
        XCTAssertEqual(plan.depersonalized, names)
    }

    func testTheRenderWithoutAReceiverKeepsToTheByteBudget() throws {
        let set = try loadSet(template(greeting))
        let limit = 120
        let long = String(repeating: "👨‍👩‍👧", count: 50)
        let plan = compose(
            set, makeHook(to: names, content: textContent(long)), registry: registry,
            options: Composer.Options(maxPayloadBytes: limit))
        XCTAssertEqual(plan.renderFailures, [])
        let payload = try XCTUnwrap(plan.answer.pushMessage)
        XCTAssertLessThanOrEqual(payload.utf8.count, limit)
        let text = try alert(of: payload)
        XCTAssertTrue(text.hasPrefix("Hi , Tom: 👨‍👩‍👧"), text)
        XCTAssertTrue(text.hasSuffix("…"), text)
    }

    func testARenderWithoutAReceiverThatDoesNotFitFailsLikeAnyRender() throws {
        // Only the render without a receiver has the long text: it cannot fit, so the push
        // fails for the group (the default template has nothing to fall back to) and lint says so.
        let long = String(repeating: "x", count: 4000)
        let body = "push:\n  alert: \"{{^receiver.name}}\(long){{/receiver.name}}{{receiver.name}}\"\n"
        let problems = lintProblems(template(body))
        XCTAssertTrue(
            problems.contains { $0.isError && $0.reason.contains("rendered without a receiver: payload exceeds 3800 bytes") }, "\(problems)")
    }

    func testScopesPrintNothingRatherThanTheRenderInput() throws {
        // {{sender}} or {{.}} printed the whole render input, the receiver's name with it.
        let set = try loadSet(template("push:\n  alert: \"{{.}}{{sender}}{{conversation}}{{message}}{{#sender}}{{.}}{{/sender}}{{message.text}}\"\n"))
        XCTAssertFalse(set.defaultTemplate.namesReceiver)
        let plan = compose(set, makeHook(to: ["Jerry", "Spike"]), registry: registry)
        XCTAssertEqual(plan.groups.map(\.receivers), [["Jerry", "Spike"]])
        XCTAssertEqual(try alert(of: plan.answer.pushMessage), "hi")
    }
}
