import Foundation
import PushCompose
import Templates
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `TemplateSet.load(directory:)` refuses to read: links out of the directory, files
/// that are not regular, files over the size limit. No problem ever shows the content of
/// a file that is not a template.
final class TemplateFileReadingTests: XCTestCase {
    private var root: URL!
    private var directory: URL!
    /// YAML whose keys lint would quote back, if it read the file.
    private let secret = "root: $6$SECRET-HASH-4321$\nroot-password: SECRET-PASSWORD\n"

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pushcompose-files-\(UUID().uuidString)")
        directory = root.appendingPathComponent("templates")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(minimalDefault.utf8).write(to: directory.appendingPathComponent("default.yaml"))
    }

    override func tearDownWithError() throws {
        if let root { try? FileManager.default.removeItem(at: root) }
    }

    private func problems() -> [LintProblem] { refusalProblems(loading: directory) }

    private func assertNoSecret(_ problems: [LintProblem], file: StaticString = #filePath, line: UInt = #line) {
        let text = TemplateSetError(problems: problems).description
        for word in ["SECRET", "root", "password"] {
            XCTAssertFalse(text.contains(word), "\(word) in \(text)", file: file, line: line)
        }
    }

    func testALinkToAFileOutsideTheDirectoryIsNotRead() throws {
        let outside = root.appendingPathComponent("shadow")
        try Data(secret.utf8).write(to: outside)
        let link = directory.appendingPathComponent("shadow.yaml")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "../shadow")

        let problems = problems()
        XCTAssertEqual(problems, [LintProblem(
            file: link.path, line: 0, reason: "a symbolic link to outside the template directory; links are followed only within it")])
        assertNoSecret(problems)
    }

    func testALinkThroughALinkedDirectoryOutsideIsNotRead() throws {
        let outside = root.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data(secret.utf8).write(to: outside.appendingPathComponent("shadow.yaml"))
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("etc").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("shadow.yaml").path, withDestinationPath: "etc/shadow.yaml")

        let problems = problems()
        XCTAssertEqual(problems.map(\.file), [directory.appendingPathComponent("shadow.yaml").path])
        assertNoSecret(problems)
    }

    func testLinksWithinTheDirectoryAreFollowedAsAConfigMapMountsThem() throws {
        // A Kubernetes ConfigMap volume: name.yaml -> ..data/name.yaml, ..data -> ..2024_01_01.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("default.yaml"))
        let version = directory.appendingPathComponent("..2024_01_01_00_00_00.1")
        try FileManager.default.createDirectory(at: version, withIntermediateDirectories: true)
        try Data(minimalDefault.utf8).write(to: version.appendingPathComponent("default.yaml"))
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("..data").path, withDestinationPath: version.lastPathComponent)
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("default.yaml").path, withDestinationPath: "..data/default.yaml")

        let set = try TemplateSet.load(directory: directory)
        XCTAssertEqual(set.templates.map(\.name), ["default"])
    }

    func testTheDirectoryItselfMayBeALink() throws {
        let link = root.appendingPathComponent("current")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: directory.path)
        XCTAssertEqual(try TemplateSet.load(directory: link).templates.map(\.name), ["default"])
    }

    func testAFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let fifo = directory.appendingPathComponent("pipe.yaml")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        XCTAssertEqual(problems(), [LintProblem(file: fifo.path, line: 0, reason: "not a regular file")])
    }

    func testADirectoryNamedLikeATemplateIsRefused() throws {
        let folder = directory.appendingPathComponent("folder.yaml")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        XCTAssertEqual(problems(), [LintProblem(file: folder.path, line: 0, reason: "not a regular file")])
    }

    func testADanglingLinkIsAProblem() throws {
        let link = directory.appendingPathComponent("gone.yaml")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "nowhere.yaml")
        let problems = problems()
        XCTAssertEqual(problems.map(\.file), [link.path])
        XCTAssertTrue(problems.first?.reason.hasPrefix("cannot read the file: ") ?? false, "\(problems)")
    }

    func testAFileOverTheSizeLimitIsRefusedUnread() throws {
        let big = directory.appendingPathComponent("big.yaml")
        try Data((secret + String(repeating: "#", count: TemplateLimits.maxFileBytes)).utf8).write(to: big)
        let problems = problems()
        XCTAssertEqual(problems, [LintProblem(
            file: big.path, line: 0, reason: "the file is larger than 262144 bytes (256 KiB), the limit for a template file")])
    }

    func testADirectoryOverTheFileLimitIsRefusedUnread() throws {
        XCTAssertEqual(TemplateLimits.maxFiles, 200)
        for index in 1..<200 {
            try Data("name: t\(index)\nmatch: {conversations: [c\(index)]}\n".utf8).write(to: directory.appendingPathComponent("t\(index).yaml"))
        }
        XCTAssertEqual(try TemplateSet.load(directory: directory).templates.count, 200)
        try Data(secret.utf8).write(to: directory.appendingPathComponent("one-more.yaml"))
        let problems = problems()
        XCTAssertEqual(problems, [LintProblem(
            file: directory.path, line: 0, reason: "201 template files; a template directory may have at most 200")])
    }

    func testAYAMLErrorNeverQuotesTheFile() throws {
        // A control character: libyaml's reader refuses the file; Yams' description of
        // that error quotes the line around it.
        let file = directory.appendingPathComponent("binary.yaml")
        try Data((secret + "key: SECRET-VALUE \u{1} more\n").utf8).write(to: file)
        let problems = problems()
        XCTAssertEqual(problems.map(\.file), [file.path])
        XCTAssertEqual(problems.map(\.line), [3], "\(problems)")
        XCTAssertTrue(problems.first?.reason.hasPrefix("YAML: ") ?? false, "\(problems)")
        assertNoSecret(problems)
    }
}
