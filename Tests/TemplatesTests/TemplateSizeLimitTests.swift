import PushCompose
import Templates
import XCTest

/// A template file holds at most `TemplateLimits.maxFileBytes`, and one Mustache string at
/// most `TemplateLimits.maxTagsPerText` tags: both refused before anything is compiled.
final class TemplateSizeLimitTests: XCTestCase {
    /// `minimalDefault` padded with a comment to exactly `bytes` bytes.
    private func padded(to bytes: Int) -> String {
        let head = minimalDefault + "\n# "
        return head + String(repeating: "x", count: bytes - head.utf8.count)
    }

    func testAFileAtTheSizeLimitLoads() throws {
        XCTAssertEqual(TemplateLimits.maxFileBytes, 262_144)
        let set = try loadSet([(file: "default.yaml", text: padded(to: TemplateLimits.maxFileBytes))])
        XCTAssertEqual(set.templates.map(\.name), ["default"])
    }

    func testAFileOverTheSizeLimitIsRefused() {
        let problems = lintProblems([(file: "big.yaml", text: padded(to: TemplateLimits.maxFileBytes + 1))])
        XCTAssertEqual(problems.count, 2, "\(problems)")  // and so there is no default template
        XCTAssertEqual(problems.first, LintProblem(
            file: "big.yaml", line: 1, reason: "the file is larger than 262144 bytes (256 KiB), the limit for a template file"))
    }

    /// A default template whose alert has `sections` empty sections (two tags each), then
    /// `extra`, then `{{message.text}}`.
    private func template(sections: Int, extra: String = "") -> String {
        let text = String(repeating: "{{#mentionAll}}{{/mentionAll}}", count: sections) + extra
        return "name: default\ndefault: true\npush:\n  sound: default\n  alert: \"\(text){{message.text}}\"\n"
    }

    func testAFileAtTheTagLimitLoads() throws {
        XCTAssertEqual(TemplateLimits.maxTags, 2_000)
        let set = try loadSet([(file: "default.yaml", text: template(sections: 999, extra: "{{! one more tag }}"))])
        XCTAssertEqual(try alert(of: compose(set, makeHook()).answer.pushMessage), "hi")
    }

    func testAStringOverTheTagLimitIsRefusedOnItsLine() {
        let problems = lintProblems([(file: "tags.yaml", text: template(sections: 1_000))])
        XCTAssertEqual(problems, [LintProblem(
            file: "tags.yaml", line: 5, reason: "more than 2000 Mustache tags in the file; that is the limit for a template file")])
    }

    func testTheTagLimitIsPerFileAndReportedOnceWhereCrossed() {
        let sections = String(repeating: "{{#mentionAll}}{{/mentionAll}}", count: 400)
        let text = template(sections: 400) + "mention:\n  alert: \"\(sections)\"\n  title: \"\(sections)\"\n  body: \"\(sections)\"\n"
        let problems = lintProblems([(file: "tags.yaml", text: text)])
        XCTAssertEqual(problems, [LintProblem(
            file: "tags.yaml", line: 8, reason: "more than 2000 Mustache tags in the file; that is the limit for a template file")])
    }

    /// A default template with `count` locales, each with a one-member push.
    private func locales(_ count: Int) -> String {
        "name: default\ndefault: true\npush:\n  alert: \"{{message.text}}\"\nlocales:\n"
            + (0..<count).map { "  x\($0): {push: {alert: \"{{message.text}} (\($0))\"}}\n" }.joined()
    }

    func testATemplateAtTheLocaleLimitLoads() throws {
        XCTAssertEqual(TemplateLimits.maxLocales, 100)
        let set = try loadSet([(file: "default.yaml", text: locales(100))])
        let registry = TestRegistry(clients: ["Jerry": ClientEntry(locale: "x99")])
        XCTAssertEqual(try alert(of: compose(set, makeHook(), registry: registry).answer.pushMessage), "hi (99)")
    }

    func testATemplateOverTheLocaleLimitIsRefusedWhereItCrossesIt() {
        let problems = lintProblems([(file: "locales.yaml", text: locales(5_000))])
        XCTAssertEqual(problems, [LintProblem(
            file: "locales.yaml", line: 106, reason: "more than 100 locales in the file; that is the limit for a template file")])
    }

    /// A default template whose push has `count` members (the alert one of them).
    private func members(_ count: Int) -> String {
        "name: default\ndefault: true\npush:\n  alert: \"{{message.text}}\"\n" + (1..<count).map { "  k\($0): 1\n" }.joined()
    }

    func testAFileAtThePayloadValueLimitLoads() throws {
        XCTAssertEqual(TemplateLimits.maxPayloadValues, 500)
        XCTAssertNoThrow(try loadSet([(file: "default.yaml", text: members(500))], options: .init(maxPayloadBytes: 100_000)))
    }

    func testAFileOverThePayloadValueLimitIsRefusedWhereItCrossesIt() {
        // Each locale's payload is merged from the default's members: 10,000 members and
        // 6,800 locales fit in 256 KiB, and such a file had not loaded after 6 minutes.
        let problems = lintProblems([(file: "members.yaml", text: members(10_000))])
        XCTAssertEqual(problems, [LintProblem(
            file: "members.yaml", line: 504, reason: "more than 500 payload values in the file; that is the limit for a template file")])
    }

    func testSectionsNestedPastTheLimitAreRefused() throws {
        XCTAssertEqual(TemplateLimits.maxSectionDepth, 32)
        func nested(_ depth: Int) -> String {
            let sections = String(repeating: "{{#mentionAll}}", count: depth) + String(repeating: "{{/mentionAll}}", count: depth)
            return "name: default\ndefault: true\npush:\n  alert: |\n    {{message.text}}\n    \(sections)\n"
        }
        XCTAssertNoThrow(try loadSet([(file: "default.yaml", text: nested(32))]))
        XCTAssertEqual(lintProblems([(file: "deep.yaml", text: nested(33))]), [LintProblem(
            file: "deep.yaml", line: 6, reason: "'push.alert': Mustache: sections nested more than 32 deep")])
    }

    func testSetDelimiterTagsAreRefused() {
        // Under other delimiters a tag would escape the count and the variable checks.
        let text = "name: default\ndefault: true\npush:\n  alert: |\n    {{message.text}}\n    {{=<% %>=}}<% receiver.name %>\n"
        let problems = lintProblems([(file: "delimiters.yaml", text: text)])
        XCTAssertEqual(problems, [LintProblem(
            file: "delimiters.yaml", line: 6, reason: "'push.alert': Mustache: set-delimiter tags ({{=…=}}) are not supported")])
    }
}
