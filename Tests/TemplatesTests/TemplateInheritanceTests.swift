import PushCompose
import Templates
import XCTest

/// What a template takes from the default template: policy, placeholders, and the payload
/// when it defines none.
final class TemplateInheritanceTests: XCTestCase {
    private static let defaultText = """
        name: default
        default: true
        policy:
          truncate: 5
          ellipsis: "~"
          badge: none
          force: never
          mentionOnlyAbove: 50
        placeholders:
          image: "[pic]"
          audio: "[sound]"
        push:
          alert: "{{sender.name}}: {{message.text}}"
          sound: ping
        mention:
          alert: "@{{sender.name}}: {{message.text}}"
        """

    private static let sources: [(file: String, text: String)] = [
        (file: "default.yaml", text: defaultText),
        // Nothing but a match: everything inherited.
        (file: "bare.yaml", text: "name: bare\nmatch:\n  conversations: [\"bare-*\"]\n"),
        // Its own payload and some policy and placeholders.
        (
            file: "own.yaml",
            text: """
                name: own
                match:
                  conversations: ["own-*"]
                policy:
                  truncate: 3
                  force: always
                placeholders:
                  audio: "[own sound]"
                push:
                  alert: "own {{message.text}}"
                """
        ),
        // Policy only.
        (file: "private.yaml", text: "name: private\nmatch:\n  conversations: [\"secret-*\"]\npolicy:\n  privacy: true\n"),
    ]

    private var set: TemplateSet!

    override func setUpWithError() throws {
        set = try loadSet(Self.sources)
    }

    private func template(_ name: String) throws -> CompiledTemplate {
        try XCTUnwrap(set.templates.first { $0.name == name })
    }

    private func payload(_ conversation: String, content: String = textContent("abcdefgh"), mentioned: Bool = false) throws -> String {
        let plan = compose(set, makeHook(conversation: conversation, content: content, mentioned: mentioned ? ["Jerry"] : []))
        return try XCTUnwrap(plan.answer.pushMessage)
    }

    func testTheDefaultsPolicyIsInherited() throws {
        let inherited = PushPolicy(truncate: 5, ellipsis: "~", badge: .none, forceOnMute: .never, privacy: false, mentionOnlyAbove: 50, builtin: true)
        XCTAssertEqual(try template("default").policy, inherited)
        XCTAssertEqual(try template("bare").policy, inherited)
        XCTAssertEqual(
            try template("own").policy,
            PushPolicy(truncate: 3, ellipsis: "~", badge: .none, forceOnMute: .always, privacy: false, mentionOnlyAbove: 50, builtin: true))
        XCTAssertEqual(
            try template("private").policy,
            PushPolicy(truncate: 5, ellipsis: "~", badge: .none, forceOnMute: .never, privacy: true, mentionOnlyAbove: 50, builtin: true))
    }

    func testBuiltInPolicyDefaultsApplyWhenTheDefaultTemplateSetsNone() throws {
        let set = try loadSet([(file: "default.yaml", text: minimalDefault)])
        XCTAssertEqual(set.templates.first?.policy, PushPolicy())
        XCTAssertEqual(PushPolicy(), PushPolicy(truncate: 40, ellipsis: "…", badge: .increment, forceOnMute: .mentions, privacy: false, mentionOnlyAbove: nil, builtin: true))
    }

    func testATemplateWithoutPayloadRendersTheDefaultsPayload() throws {
        XCTAssertEqual(try payload("bare-1"), #"{"alert":"Tom: abcde~","sound":"ping"}"#)
        XCTAssertEqual(try payload("bare-1", mentioned: true), #"{"alert":"@Tom: abcde~","sound":"ping"}"#)
        XCTAssertEqual(try payload("bare-1", content: #"{"_lctype":-2}"#), #"{"alert":"Tom: [pic]","sound":"ping"}"#)
    }

    func testATemplateWithItsOwnPayloadUsesOnlyIts() throws {
        XCTAssertEqual(try payload("own-1"), #"{"alert":"own abc~"}"#)
        // No mention block of its own: a mentioned receiver gets its push block.
        XCTAssertEqual(try payload("own-1", mentioned: true), #"{"alert":"own abc~"}"#)
        XCTAssertEqual(compose(set, makeHook(conversation: "own-1")).answer.force, true)
    }

    func testPlaceholdersMergeWithTheDefaults() throws {
        XCTAssertEqual(try payload("own-1", content: #"{"_lctype":-2}"#), #"{"alert":"own [pic]"}"#)
        XCTAssertEqual(try payload("own-1", content: #"{"_lctype":-3}"#), #"{"alert":"own [own sound]"}"#)
        XCTAssertEqual(try payload("bare-1", content: #"{"_lctype":-3}"#), #"{"alert":"Tom: [sound]","sound":"ping"}"#)
        // Neither template names a video placeholder: the built-in one.
        XCTAssertEqual(try payload("own-1", content: #"{"_lctype":-4}"#), #"{"alert":"own [Video]"}"#)
    }

    func testAPolicyOnlyTemplateKeepsTheDefaultsPayloadUnderItsPolicy() throws {
        XCTAssertEqual(try payload("secret-1"), #"{"alert":"Tom: [New message]","sound":"ping"}"#)
    }
}
