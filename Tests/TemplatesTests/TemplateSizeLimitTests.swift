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

    /// A string of `sections` empty sections (two tags each), then `extra`.
    private func template(sections: Int, extra: String = "") -> String {
        let text = String(repeating: "{{#mentionAll}}{{/mentionAll}}", count: sections) + extra
        return "name: default\ndefault: true\npush:\n  sound: default\n  alert: \"\(text){{message.text}}\"\n"
    }

    func testAStringAtTheTagLimitLoads() throws {
        XCTAssertEqual(TemplateLimits.maxTagsPerText, 2_000)
        let set = try loadSet([(file: "default.yaml", text: template(sections: 999, extra: "{{! one more tag }}"))])
        XCTAssertEqual(try alert(of: compose(set, makeHook()).answer.pushMessage), "hi")
    }

    func testAStringOverTheTagLimitIsRefusedOnItsLine() {
        let problems = lintProblems([(file: "tags.yaml", text: template(sections: 1_000))])
        XCTAssertEqual(problems, [LintProblem(
            file: "tags.yaml", line: 5, reason: "'push.alert': Mustache: more than 2000 tags; that is the limit for one string")])
    }

    func testTheLimitIsPerString() throws {
        let text = template(sections: 999) + "mention:\n  alert: \"" + String(repeating: "{{#mentionAll}}{{/mentionAll}}", count: 999) + "\"\n"
        XCTAssertNoThrow(try loadSet([(file: "default.yaml", text: text)]))
    }

    func testSetDelimiterTagsAreRefused() {
        // Under other delimiters a tag would escape the count and the variable checks.
        let text = "name: default\ndefault: true\npush:\n  alert: |\n    {{message.text}}\n    {{=<% %>=}}<% receiver.name %>\n"
        let problems = lintProblems([(file: "delimiters.yaml", text: text)])
        XCTAssertEqual(problems, [LintProblem(
            file: "delimiters.yaml", line: 6, reason: "'push.alert': Mustache: set-delimiter tags ({{=…=}}) are not supported")])
    }
}
