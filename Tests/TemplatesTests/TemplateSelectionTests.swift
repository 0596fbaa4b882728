import PushCompose
import Templates
import XCTest

/// Which template a message gets: match rules, priority, the default.
final class TemplateSelectionTests: XCTestCase {
    private static func template(_ name: String, priority: Int, match: String) -> (file: String, text: String) {
        (file: "templates/\(name).yaml", text: "name: \(name)\npriority: \(priority)\nmatch:\n\(match)\npush:\n  alert: \"\(name)\"\n")
    }

    private static let sources: [(file: String, text: String)] = [
        (file: "templates/default.yaml", text: minimalDefault),
        template("exact", priority: 5, match: "  conversations: [conv-exact]"),
        template("glob", priority: 5, match: "  conversations: [\"team-*\", \"room-?\"]"),
        template("system", priority: 3, match: "  system: true"),
        template("urgent", priority: 2, match: "  attrs:\n    level: [high, \"1\"]"),
        template("images", priority: 1, match: "  kinds: [image, video]"),
        template("sticker", priority: 1, match: "  types: [7, 9]"),
        template("vip-text", priority: 4, match: "  conversations: [\"vip-*\"]\n  kinds: [text]"),
    ]

    private var set: TemplateSet!

    override func setUpWithError() throws {
        set = try loadSet(Self.sources)
    }

    private func selected(
        conversation: String = "conv-1", system: Bool = false, content: String = textContent("hi")
    ) -> String {
        set.template(
            for: MessageFacts(conversationId: conversation, isSystemConversation: system, content: MessageContent(parsing: content))
        ).name
    }

    func testTemplatesAreOrderedByPriorityThenFile() {
        XCTAssertEqual(set.templates.map(\.name), ["exact", "glob", "vip-text", "system", "urgent", "images", "sticker", "default"])
    }

    func testNothingMatchingGetsTheDefault() {
        XCTAssertEqual(selected(), "default")
        XCTAssertEqual(selected(content: "plain"), "default")
    }

    func testExactConversationId() {
        XCTAssertEqual(selected(conversation: "conv-exact"), "exact")
        XCTAssertEqual(selected(conversation: "conv-exact2"), "default")
        XCTAssertEqual(selected(conversation: "Conv-exact"), "default")
    }

    func testGlobPatterns() {
        XCTAssertEqual(selected(conversation: "team-"), "glob")
        XCTAssertEqual(selected(conversation: "team-ios"), "glob")
        XCTAssertEqual(selected(conversation: "team-a-b"), "glob")
        XCTAssertEqual(selected(conversation: "teams-1"), "default")
        XCTAssertEqual(selected(conversation: "my-team-1"), "default")
        XCTAssertEqual(selected(conversation: "room-a"), "glob")
        XCTAssertEqual(selected(conversation: "room-ab"), "default")
        XCTAssertEqual(selected(conversation: "room-"), "default")
    }

    func testKinds() {
        XCTAssertEqual(selected(content: #"{"_lctype":-2}"#), "images")
        XCTAssertEqual(selected(content: #"{"_lctype":-4}"#), "images")
        XCTAssertEqual(selected(content: #"{"_lctype":-3}"#), "default")
    }

    func testTypes() {
        XCTAssertEqual(selected(content: #"{"_lctype":7,"_lctext":"x"}"#), "sticker")
        XCTAssertEqual(selected(content: #"{"_lctype":9}"#), "sticker")
        XCTAssertEqual(selected(content: #"{"_lctype":8}"#), "default")
    }

    func testAttributes() {
        XCTAssertEqual(selected(content: textContent("x", attrs: ["level": "high"])), "urgent")
        XCTAssertEqual(selected(content: textContent("x", attrs: ["level": 1])), "urgent")  // the number 1 reads as "1"
        XCTAssertEqual(selected(content: textContent("x", attrs: ["level": "low"])), "default")
        XCTAssertEqual(selected(content: textContent("x", attrs: ["other": "high"])), "default")
        XCTAssertEqual(selected(content: textContent("x")), "default")
    }

    func testEveryCriterionMustHold() {
        XCTAssertEqual(selected(conversation: "vip-1"), "vip-text")
        XCTAssertEqual(selected(conversation: "vip-1", content: "plain text counts as text"), "vip-text")
        XCTAssertEqual(selected(conversation: "vip-1", content: #"{"_lctype":-3}"#), "default")
    }

    func testSystemConversations() {
        XCTAssertEqual(selected(conversation: "notices", system: true), "system")
        XCTAssertEqual(selected(conversation: "notices", system: false), "default")
    }

    func testSystemConversationsComeFromTheDirectory() {
        let registry = TestRegistry(conversations: ["notices": ConversationEntry(name: "Notices", system: true)])
        XCTAssertEqual(compose(set, makeHook(conversation: "notices"), registry: registry).template, "system")
        XCTAssertEqual(try alert(of: compose(set, makeHook(conversation: "notices"), registry: registry).answer.pushMessage), "system")
        XCTAssertEqual(compose(set, makeHook(conversation: "chat"), registry: registry).template, "default")
    }

    func testHigherPriorityWins() {
        // glob (5) beats system (3), urgent (2) and images (1).
        XCTAssertEqual(selected(conversation: "team-1", system: true, content: #"{"_lctype":-2,"_lcattrs":{"level":"high"}}"#), "glob")
        // system (3) beats urgent (2) beats images (1).
        XCTAssertEqual(selected(system: true, content: #"{"_lctype":-2,"_lcattrs":{"level":"high"}}"#), "system")
        XCTAssertEqual(selected(content: #"{"_lctype":-2,"_lcattrs":{"level":"high"}}"#), "urgent")
    }

    func testEqualPriorityGoesByFileName() throws {
        let set = try loadSet([
            (file: "t/default.yaml", text: minimalDefault),
            (file: "t/b.yaml", text: "name: bee\nmatch:\n  kinds: [image]\n"),
            (file: "t/a.yaml", text: "name: zed\nmatch:\n  kinds: [image]\n"),
        ])
        let facts = MessageFacts(conversationId: "c", isSystemConversation: false, content: MessageContent(parsing: #"{"_lctype":-2}"#))
        XCTAssertEqual(set.template(for: facts).name, "zed")
    }

    func testTheComposerRendersTheSelectedTemplate() throws {
        let plan = compose(set, makeHook(conversation: "room-x"))
        XCTAssertEqual(plan.template, "glob")
        XCTAssertEqual(plan.answer.pushMessage, #"{"alert":"glob","badge":"Increment"}"#)
    }
}
