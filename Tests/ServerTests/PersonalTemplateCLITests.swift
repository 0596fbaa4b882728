import Foundation
import XCTest

/// The commands with a template that names its receiver: `lint` warns and passes, and
/// `render` never answers one receiver's name to the others.
final class PersonalTemplateCLITests: XCTestCase {
    private func templates() throws -> URL {
        let directory = try makeTemporaryDirectory().appendingPathComponent("templates")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let text = """
            name: default
            default: true
            push:
              alert: "Hi {{receiver.name}}, {{sender.name}}: {{message.text}}"
            """
        try Data(text.utf8).write(to: directory.appendingPathComponent("default.yaml"))
        return directory
    }

    func testLintWarnsAboutATemplateThatNamesItsReceiverAndPasses() throws {
        let templates = try templates()
        let run = try CLITests.run(["lint", templates.path], in: templates.deletingLastPathComponent())
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("default.yaml:1: warning: template 'default' uses receiver.id or receiver.name"), run.stdout)
        XCTAssertTrue(run.stdout.contains("OK"), run.stdout)
    }

    func testRenderAnswersAGroupWithoutAnyReceiversName() throws {
        let templates = try templates()
        let body = templates.deletingLastPathComponent().appendingPathComponent("body.json")
        try Data(jsonBody(HookBody.receiversOffline(to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("lunch?"))).readableBytesView)
            .write(to: body)
        let run = try CLITests.run(["render", "--templates", templates.path, body.path], in: templates.deletingLastPathComponent())
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, #"{"pushMessage":"{\"alert\":\"Hi , Tom: lunch?\",\"badge\":\"Increment\"}"}"# + "\n")

        let alone = templates.deletingLastPathComponent().appendingPathComponent("alone.json")
        try Data(jsonBody(HookBody.receiversOffline(to: ["Jerry"], content: HookBody.text("lunch?"))).readableBytesView).write(to: alone)
        let personal = try CLITests.run(["render", "--templates", templates.path, alone.path], in: templates.deletingLastPathComponent())
        XCTAssertEqual(personal.stdout, #"{"pushMessage":"{\"alert\":\"Hi Jerry, Tom: lunch?\",\"badge\":\"Increment\"}"}"# + "\n")
    }
}
