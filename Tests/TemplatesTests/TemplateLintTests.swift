import PushCompose
import Templates
import XCTest

/// Lint: a set with any problem is refused, each problem with its file, line and reason.
final class TemplateLintTests: XCTestCase {
    private let base = (file: "templates/default.yaml", text: minimalDefault)

    /// Asserts there is exactly one problem, at `file:line`, whose reason contains `reason`.
    private func assertOneProblem(
        _ problems: [LintProblem], file expectedFile: String, line expectedLine: Int, reason: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(problems.count, 1, "\(problems)", file: file, line: line)
        guard let problem = problems.first else { return }
        XCTAssertEqual(problem.file, expectedFile, file: file, line: line)
        XCTAssertEqual(problem.line, expectedLine, "\(problem)", file: file, line: line)
        XCTAssertTrue(problem.reason.contains(reason), "reason: \(problem.reason)", file: file, line: line)
        XCTAssertEqual(problem.description, "\(expectedFile):\(expectedLine): \(problem.reason)", file: file, line: line)
    }

    func testAValidSetLoads() throws {
        let set = try loadSet([base])
        XCTAssertEqual(set.templates.map(\.name), ["default"])
        XCTAssertEqual(set.defaultTemplate.name, "default")
    }

    func testYAMLSyntaxErrorReportsItsLine() {
        let broken = """
            name: broken
            match:
              kinds: image
            push:
              alert: @oops
            """
        let problems = lintProblems([base, (file: "templates/broken.yaml", text: broken)])
        assertOneProblem(problems, file: "templates/broken.yaml", line: 5, reason: "YAML:")
    }

    func testUnknownKeyReportsTheKeysLine() {
        let typo = """
            # A support template with a typo.
            name: typo
            match:
              conversations: ["c-*"]
            pussh:
              alert: "x"
            """
        assertOneProblem(
            lintProblems([base, (file: "typo.yaml", text: typo)]), file: "typo.yaml", line: 5,
            reason: "unknown key 'pussh' in 'template'")
    }

    func testUnknownVariableInsideASectionIsReported() {
        let text = "name: default\ndefault: true\npush:\n  alert: \"{{#mentionAll}}{{sender.nmae}}{{/mentionAll}}{{message.text}}\"\n"
        assertOneProblem(
            lintProblems([(file: "d.yaml", text: text)]), file: "d.yaml", line: 4,
            reason: "'push.alert' uses unknown variable 'sender.nmae'")
    }

    func testUnknownNestedKeyReportsTheKeysLine() {
        let typo = """
            name: default
            default: true
            policy:
              truncate: 10
              trunc: 5
            push:
              alert: "x"
            """
        assertOneProblem(lintProblems([(file: "d.yaml", text: typo)]), file: "d.yaml", line: 5, reason: "unknown key 'trunc' in 'policy'")
    }

    func testUnclosedMustacheSectionReportsTheLineOfTheString() {
        let text = """
            name: mustache
            match:
              kinds: [text]
            push:
              sound: default
              alert: "{{#message.attrs}}open"
            """
        assertOneProblem(
            lintProblems([base, (file: "m.yaml", text: text)]), file: "m.yaml", line: 6, reason: "'push.alert': Mustache:")
    }

    func testMustacheErrorInABlockScalarReportsTheLineWithinIt() {
        let text = """
            name: default
            default: true
            push:
              alert: |
                Hello
                {{#sender}}{{/receiver}}
            """
        assertOneProblem(lintProblems([(file: "d.yaml", text: text)]), file: "d.yaml", line: 6, reason: "'push.alert': Mustache:")
    }

    func testUnknownVariableIsReportedWithItsLine() {
        let text = """
            name: typo-var
            match:
              kinds: [text]
            push:
              alert: "{{sender.nmae}}: {{message.text}}"
            """
        assertOneProblem(
            lintProblems([base, (file: "v.yaml", text: text)]), file: "v.yaml", line: 5,
            reason: "'push.alert' uses unknown variable 'sender.nmae'")
    }

    func testUnknownVariableInALocaleNamesItsPath() {
        let text = """
            name: default
            default: true
            push:
              alert: "{{sender.name}}"
            locales:
              zh-Hans:
                mention:
                  alert: "{{{reciever.name}}}"
            """
        assertOneProblem(
            lintProblems([(file: "d.yaml", text: text)]), file: "d.yaml", line: 8,
            reason: "'locales.zh-Hans.mention.alert' uses unknown variable 'reciever.name'")
    }

    func testTwoDefaultsAreAProblemAtTheSecond() {
        let second = """
            # Another default.
            name: other
            default: true
            push:
              alert: "x"
            """
        assertOneProblem(
            lintProblems([base, (file: "templates/other.yaml", text: second)]), file: "templates/other.yaml", line: 2,
            reason: "a second default template ('other'; the first is 'default' in templates/default.yaml)")
    }

    func testNoDefaultIsAProblem() {
        let only = """
            name: only
            match:
              kinds: [image]
            push:
              alert: "x"
            """
        assertOneProblem(lintProblems([(file: "only.yaml", text: only)]), file: "only.yaml", line: 1, reason: "no template says 'default: true'")
    }

    func testDuplicateNamesAreAProblemAtTheSecond() {
        let first = "name: dup\nmatch:\n  kinds: [image]\n"
        let second = "priority: 3\nname: dup\nmatch:\n  kinds: [video]\n"
        assertOneProblem(
            lintProblems([base, (file: "a.yaml", text: first), (file: "b.yaml", text: second)]), file: "b.yaml", line: 1,
            reason: "template name 'dup' is already used in a.yaml")
    }

    func testFileNameIsTheDefaultTemplateName() throws {
        let set = try loadSet([base, (file: "dir/support-desk.yaml", text: "match:\n  conversations: [\"s-*\"]\n")])
        XCTAssertEqual(Set(set.templates.map(\.name)), ["default", "support-desk"])
    }

    func testNonDefaultTemplateWithoutMatchIsAProblem() {
        let text = """
            name: everything
            priority: 4
            push:
              alert: "x"
            """
        assertOneProblem(
            lintProblems([base, (file: "e.yaml", text: text)]), file: "e.yaml", line: 1, reason: "template 'everything' has no 'match'")
    }

    func testDefaultTemplateWithMatchIsAProblem() {
        let text = """
            name: default
            default: true
            match:
              kinds: [text]
            push:
              alert: "x"
            """
        assertOneProblem(lintProblems([(file: "d.yaml", text: text)]), file: "d.yaml", line: 1, reason: "remove its 'match'")
    }

    func testInvalidForceValue() {
        let text = """
            name: default
            default: true
            policy:
              truncate: 10
              force: sometimes
            push:
              alert: "x"
            """
        assertOneProblem(
            lintProblems([(file: "d.yaml", text: text)]), file: "d.yaml", line: 5,
            reason: "'policy.force' must be one of: never, mentions, always")
    }

    func testInvalidKind() {
        let text = """
            name: pics
            priority: 2
            match:
              kinds: [image, picture]
            """
        assertOneProblem(lintProblems([base, (file: "p.yaml", text: text)]), file: "p.yaml", line: 4, reason: "unknown kind 'picture' in 'match.kinds'")
    }

    func testWrongScalarTypes() {
        let text = """
            name: default
            default: true
            policy:
              truncate: many
              privacy: sometimes
              badge: always
            push:
              alert: "x"
            """
        let problems = lintProblems([(file: "d.yaml", text: text)])
        XCTAssertEqual(problems.map(\.line), [4, 5, 6], "\(problems)")
        XCTAssertEqual(problems.map(\.reason), [
            "'policy.truncate' must be a whole number", "'policy.privacy' must be true or false",
            "'policy.badge' must be one of: increment, none",
        ])
    }

    func testUnknownPlaceholderAndBadLocaleTag() {
        let text = """
            name: default
            default: true
            placeholders:
              picture: "[Pic]"
              "7": "[Sticker]"
            push:
              alert: "x"
            locales:
              "zh Hans":
                push:
                  alert: "y"
            """
        let problems = lintProblems([(file: "d.yaml", text: text)])
        XCTAssertEqual(problems.map(\.line), [4, 9], "\(problems)")
        XCTAssertTrue(problems[0].reason.contains("unknown placeholder 'picture'"), problems[0].reason)
        XCTAssertTrue(problems[1].reason.contains("'zh Hans' is not a locale tag"), problems[1].reason)
    }

    func testEveryProblemIsReportedNotJustTheFirst() {
        let text = """
            name: default
            default: true
            policy:
              force: sometimes
            pussh:
              alert: "x"
            push:
              alert: "{{sender.nmae}}"
            """
        let other = "name: x\npriority: 1\n"  // no match
        let problems = lintProblems([(file: "d.yaml", text: text), (file: "x.yaml", text: other)])
            .sorted { ($0.file, $0.line) < ($1.file, $1.line) }
        XCTAssertEqual(problems.map(\.file), ["d.yaml", "d.yaml", "d.yaml", "x.yaml"], "\(problems)")
        XCTAssertEqual(problems.map(\.line), [4, 5, 8, 1], "\(problems)")
        XCTAssertTrue(problems[0].reason.contains("'policy.force'"), problems[0].reason)
        XCTAssertTrue(problems[1].reason.contains("unknown key 'pussh'"), problems[1].reason)
        XCTAssertTrue(problems[2].reason.contains("unknown variable 'sender.nmae'"), problems[2].reason)
        XCTAssertTrue(problems[3].reason.contains("template 'x' has no 'match'"), problems[3].reason)
    }

    func testFixedTextOverTheByteBudgetFailsLint() {
        let text = """
            name: default
            default: true
            push:
              alert: "\(String(repeating: "x", count: 500)){{message.text}}"
            """
        let problems = lintProblems([(file: "d.yaml", text: text)], options: Composer.Options(maxPayloadBytes: 300))
        XCTAssertEqual(problems.count, 1, "\(problems)")
        XCTAssertEqual(problems.first?.file, "d.yaml")
        XCTAssertEqual(
            problems.first?.reason,
            "template 'default' fails to render: payload exceeds 300 bytes even with the message text left out")
        // The same template is fine with the default budget.
        XCTAssertNoThrow(try TemplateSet.load(sources: [(file: "d.yaml", text: text)]))
    }

    func testDefaultTemplateNeedsAPushBlock() {
        let text = "name: default\ndefault: true\n"
        assertOneProblem(lintProblems([(file: "d.yaml", text: text)]), file: "d.yaml", line: 1, reason: "needs a 'push' block")
    }

    func testEmptyFileIsAProblem() {
        let problems = lintProblems([base, (file: "empty.yaml", text: "")])
        XCTAssertEqual(problems.map(\.file), ["empty.yaml"], "\(problems)")
        XCTAssertTrue(problems.first?.reason.contains("empty") ?? false)
    }

    // MARK: - Warnings

    private let personal = """
        # Greets each receiver by name.
        name: default
        default: true
        push:
          alert: "Hi {{receiver.name}}, {{sender.name}}: {{message.text}}"
        """

    func testATemplateThatNamesItsReceiverLoadsWithAWarning() throws {
        let set = try loadSet([(file: "d.yaml", text: personal), (file: "custom.yaml", text: "name: custom\nmatch:\n  kinds: [image]\npolicy:\n  builtin: false\n")])
        // The custom-delivery template inherits the payload but sends each push itself: no warning.
        XCTAssertEqual(set.warnings.count, 1, "\(set.warnings)")
        let warning = try XCTUnwrap(set.warnings.first)
        XCTAssertEqual(warning.severity, .warning)
        XCTAssertFalse(warning.isError)
        XCTAssertEqual(warning.file, "d.yaml")
        XCTAssertEqual(warning.line, 2)
        XCTAssertTrue(warning.reason.contains("template 'default' uses receiver.id or receiver.name"), warning.reason)
        XCTAssertTrue(warning.reason.contains("custom delivery"), warning.reason)
        XCTAssertEqual(warning.description, "d.yaml:2: warning: \(warning.reason)")

        XCTAssertEqual(try loadSet([base]).warnings, [])
    }

    func testARefusedSetListsItsWarningsWithItsErrors() {
        let problems = lintProblems([(file: "d.yaml", text: personal + "\n  sound: \"\(String(repeating: "x", count: 400))\"")], options: Composer.Options(maxPayloadBytes: 300))
        XCTAssertEqual(problems.map(\.severity), [.error, .warning], "\(problems)")
        XCTAssertTrue(problems[0].reason.contains("fails to render"), problems[0].reason)
    }
}
