import PushCompose
import Templates
import XCTest

/// YAML anchors and aliases are refused before anything expands them: a few hundred bytes
/// of nested aliases ("billion laughs") would otherwise cost minutes and gigabytes. Each
/// test here that expanded them would visibly run for minutes.
final class YAMLAnchorTests: XCTestCase {
    private let reason = "anchors and aliases are not allowed"
    private let base = (file: "default.yaml", text: minimalDefault)

    /// The problems of `text` as a second template beside a good default.
    private func lint(_ file: String, _ text: String) -> [LintProblem] {
        lintProblems([base, (file: file, text: text)])
    }

    /// Nine levels of nine aliases each: 9^9 (387 million) strings once expanded.
    private static let laughs = (1...8).map { level in
        let previous = "l\(level - 1)"
        return "  l\(level): &l\(level) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]"
    }

    func testBillionLaughsInAPayloadIsRefused() {
        let text = (["name: laughs", "priority: 1", "push:", #"  l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
            + Self.laughs).joined(separator: "\n")
        XCTAssertLessThan(text.utf8.count, 700)
        let problems = lint("laughs.yaml", text)
        XCTAssertEqual(problems.map(\.line), Array(4...12), "\(problems)")
        XCTAssertEqual(Set(problems.map(\.reason)), [reason])
        XCTAssertEqual(Set(problems.map(\.file)), ["laughs.yaml"])
    }

    func testBillionLaughsAsAMappingKeyIsRefused() {
        // Yams hashes mapping keys while it composes, before any template code runs.
        let text = (["name: laughs", "priority: 1", "push:", "  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
            + Self.laughs + ["  ? [*l8, *l8]", "  : x", "  [*l8]: y"]).joined(separator: "\n")
        let problems = lint("keys.yaml", text)
        XCTAssertEqual(problems.map(\.line), Array(4...13) + [13, 15], "\(problems)")
        XCTAssertEqual(Set(problems.map(\.reason)), [reason])
    }

    func testAnAliasHiddenAfterAnAnchorIsRefused() {
        // The anchor is followed by characters a tag would swallow, and a quote.
        let text = """
            name: hidden
            priority: 1
            push: {&z:'q "w', l0: &l0 [x, x], l1: [*l0, *l0], alert: "y"}
            """
        // Refused on its line; as the anchor's text cannot be told from a YAML error
        // here, the reason may be either.
        let problems = lint("hidden.yaml", text)
        XCTAssertEqual(problems.map(\.line), [3], "\(problems)")
        XCTAssertTrue(problems.allSatisfy { $0.reason == reason || $0.reason.hasPrefix("YAML: ") }, "\(problems)")
    }

    func testAnAnchorAloneIsRefusedOnItsLine() {
        let text = """
            name: anchor
            priority: 1
            push:
              alert: &a "{{sender.name}}: {{message.text}}"
            """
        let problems = lint("anchor.yaml", text)
        XCTAssertEqual(problems, [LintProblem(file: "anchor.yaml", line: 4, reason: reason)])
    }

    func testABlockSharedThroughAnAnchorNamesBothLines() {
        let text = """
            name: shared
            priority: 1
            push: &p
              alert: "{{sender.name}}: {{message.text}}"
            mention: *p
            """
        let problems = lint("shared.yaml", text)
        XCTAssertEqual(problems, [
            LintProblem(file: "shared.yaml", line: 3, reason: reason), LintProblem(file: "shared.yaml", line: 5, reason: reason),
        ])
    }

    func testAsterisksAndAmpersandsInTextAreNotAnchors() throws {
        let text = """
            name: default
            default: true
            # *note: &this comment is not YAML
            policy: {ellipsis: "*&"}
            push:
              alert: "*{{sender.name}}* & *bold* &more: {{message.text}}"
              title: '*single* &quoted'
              subtitle: plain *star &amp
              body: |
                * a list item
                &not an anchor
              category: >
                *folded*
              sound: "a
                *continued"
              tags: [ "*x", '&y', plain *z ]
            """
        let set = try loadSet([(file: "text.yaml", text: text)])
        let payload = try XCTUnwrap(compose(set, makeHook()).answer.pushMessage)
        let object = try decodeObject(payload)
        XCTAssertEqual(object["alert"] as? String, "*Tom* & *bold* &more: hi")
        XCTAssertEqual(object["title"] as? String, "*single* &quoted")
        XCTAssertEqual(object["subtitle"] as? String, "plain *star &amp")
        XCTAssertEqual(object["body"] as? String, "* a list item\n&not an anchor\n")
        XCTAssertEqual(object["category"] as? String, "*folded*\n")
        XCTAssertEqual(object["sound"] as? String, "a *continued")
        XCTAssertEqual(object["tags"] as? [String], ["*x", "&y", "plain *z"])
    }
}
