import PushCompose
import XCTest

/// What a template sees of people and conversations: the registry's names, else the ids.
final class RegistryNamesTests: XCTestCase {
    /// Renders every party's name and id, and the receiver's locale.
    private let everything = TestTemplate(dependsOnReceiverIdentity: true) { input in
        [
            (key: "alert", value: .string("\(input.sender.name)→\(input.receiver.name) in \(input.conversation.name)")),
            (key: "ids", value: .string("\(input.sender.id)|\(input.receiver.id)|\(input.conversation.id)")),
            (key: "locale", value: .string(input.receiver.locale)),
        ]
    }

    private let registry = TestRegistry(
        clients: ["tom": ClientEntry(name: "Tom Cat", locale: "en-US"), "jerry": ClientEntry(name: "Jerry Mouse", locale: "fr")],
        conversations: ["c1": ConversationEntry(name: "The Chase")])

    private func payloads(_ hook: ReceiversOfflineHook, defaultLocale: String = "en") throws -> [String: [String: Any]] {
        let plan = Composer(
            templates: TestSelector(everything), registry: registry, options: Composer.Options(defaultLocale: defaultLocale)
        ).compose(hook)
        var byReceiver: [String: [String: Any]] = [:]
        for group in plan.groups {
            for receiver in group.receivers { byReceiver[receiver] = try decodeObject(group.payload) }
        }
        return byReceiver
    }

    func testKnownNamesComeFromTheDirectory() throws {
        let payload = try XCTUnwrap(payloads(makeHook(from: "tom", conversation: "c1", to: ["jerry"]))["jerry"])
        XCTAssertEqual(payload["alert"] as? String, "Tom Cat→Jerry Mouse in The Chase")
        XCTAssertEqual(payload["ids"] as? String, "tom|jerry|c1")
        XCTAssertEqual(payload["locale"] as? String, "fr")
    }

    func testUnknownNamesFallBackToIds() throws {
        let payloads = try payloads(makeHook(from: "spike", conversation: "c9", to: ["jerry", "tyke"]), defaultLocale: "de")
        XCTAssertEqual(payloads["jerry"]?["alert"] as? String, "spike→Jerry Mouse in c9")
        XCTAssertEqual(payloads["tyke"]?["alert"] as? String, "spike→tyke in c9")
        // No locale in the registry: the configured default.
        XCTAssertEqual(payloads["tyke"]?["locale"] as? String, "de")
    }

    func testAKnownClientWithoutANameFallsBackToItsId() throws {
        let registry = TestRegistry(clients: ["tom": ClientEntry(name: nil, locale: "ja")])
        let plan = Composer(templates: TestSelector(), registry: registry).compose(makeHook(from: "tom"))
        XCTAssertEqual(plan.answer.pushMessage, standardPayload("tom: hi"))
    }

    func testIdentityDependentTemplatesRenderPerReceiver() {
        let plan = Composer(templates: TestSelector(everything), registry: registry)
            .compose(makeHook(from: "tom", conversation: "c1", to: ["a", "b", "c"]))
        XCTAssertEqual(plan.groups.map(\.receivers), [["a"], ["b"], ["c"]])
    }
}
