import Foundation
import PushCompose
import Templates
import XCTest

/// `TemplateSet.load(directory:)`: the files of a directory, refused as a whole with file and line.
final class TemplateDirectoryLoadTests: XCTestCase {
    private var root: URL!
    private var directory: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pushcompose-lint-\(UUID().uuidString)")
        directory = root
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    private func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }

    private func problems() -> [LintProblem] { refusalProblems(loading: directory) }

    func testAValidDirectoryLoadsYamlAndYmlAndIgnoresOtherFiles() throws {
        try write("default.yaml", minimalDefault)
        try write("images.yml", "name: images\nmatch:\n  kinds: [image]\n")
        try write("README.txt", "not: [a template")
        try write("notes.json", "{")
        let set = try TemplateSet.load(directory: directory)
        XCTAssertEqual(set.templates.map(\.name).sorted(), ["default", "images"])
        XCTAssertEqual(set.templates.first { $0.name == "images" }?.file, directory.appendingPathComponent("images.yml").path)
    }

    func testABrokenFileRefusesTheSetWithItsPathAndLine() throws {
        try write("default.yaml", minimalDefault)
        try write("broken.yaml", "name: broken\nmatch:\n  kinds: [image]\npush:\n  alert: \"x\"\n  sound: @default\n")
        let problems = problems()
        XCTAssertEqual(problems.count, 1, "\(problems)")
        XCTAssertEqual(problems.first?.file, directory.appendingPathComponent("broken.yaml").path)
        XCTAssertEqual(problems.first?.line, 6, "\(problems)")
        XCTAssertTrue(problems.first?.reason.hasPrefix("YAML: ") ?? false, "\(problems)")
    }

    func testALintProblemInAFileNamesTheFullPath() throws {
        try write("default.yaml", minimalDefault)
        try write("typo.yaml", "name: typo\nmatch:\n  kinds: [image]\nprioirty: 3\n")
        let problems = problems()
        XCTAssertEqual(problems, [
            LintProblem(
                file: directory.appendingPathComponent("typo.yaml").path, line: 4,
                reason: "unknown key 'prioirty' in 'template' (expected one of: default, experiment, locales, match, mention, mentionAll, name, placeholders, policy, priority, push)")
        ])
    }

    func testAFileThatIsNotUTF8IsAProblem() throws {
        try write("default.yaml", minimalDefault)
        try Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: directory.appendingPathComponent("latin.yaml"))
        let problems = problems()
        XCTAssertEqual(problems, [
            LintProblem(file: directory.appendingPathComponent("latin.yaml").path, line: 1, reason: "the file is not valid UTF-8")
        ])
    }

    func testAnEmptyRegistryIsAProblem() {
        let problems = problems()
        XCTAssertEqual(problems.count, 2, "\(problems)")
        XCTAssertEqual(problems.first?.reason, "no template files (*.yaml) in the directory")
    }

    func testAMissingDirectoryIsAProblem() {
        directory = directory.appendingPathComponent("missing")
        let problems = problems()
        XCTAssertEqual(problems.count, 1, "\(problems)")
        XCTAssertEqual(problems.first?.file, directory.path)
        XCTAssertTrue(problems.first?.reason.hasPrefix("cannot read the template directory") ?? false, "\(problems)")
    }
}
