import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// The built `pushcompose` executable: `lint` and `render`.
final class CLITests: XCTestCase {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `pushcompose` executable next to the test bundle in the build products directory.
    static func executable() throws -> URL {
        var candidates: [URL] = []
        let bundle = Bundle(for: CLITests.self).bundleURL
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("pushcompose"))
        if let main = Bundle.main.executableURL {
            candidates.append(main.deletingLastPathComponent().appendingPathComponent("pushcompose"))
        }
        candidates.append(Repository.root.appendingPathComponent(".build/debug/pushcompose"))
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try XCTUnwrap(found, "no built pushcompose in \(candidates.map(\.path)); run swift build first")
    }

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Run {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        // Only what the command needs: no PUSHCOMPOSE_* or LEANCLOUD_* from the caller's environment.
        process.environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        if let directory { process.currentDirectoryURL = directory }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read both to the end before waiting, so a full pipe cannot block the child.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    func testLintPassesTheShippedTemplates() throws {
        let run = try Self.run(["lint", Repository.templates.path])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("OK"), run.stdout)
    }

    func testLintReportsFileLineAndReason() throws {
        let templates = try copyOfShippedTemplates()
        let file = templates.appendingPathComponent("private.yaml")
        let line = try TemplateReloadTests.append("policy2:\n  privacy: true\n", to: file)
        let run = try Self.run(["lint", templates.path])
        XCTAssertNotEqual(run.status, 0)
        let output = run.stdout + run.stderr
        XCTAssertTrue(output.contains("private.yaml:\(line): unknown key 'policy2'"), output)
        // Every problem line is file:line: reason.
        for problem in output.split(separator: "\n") {
            XCTAssertNotNil(problem.range(of: #"^.+\.yaml:\d+: .+"#, options: .regularExpression), String(problem))
        }
    }

    func testLintReportsEveryBrokenFile() throws {
        let templates = try copyOfShippedTemplates()
        let supportLine = try TemplateReloadTests.append("prority: 3\n", to: templates.appendingPathComponent("support.yaml"))
        let confidential = templates.appendingPathComponent("confidential.yaml")
        let confidentialLine = try TemplateReloadTests.append("mention:\n  alert: \"{{#sender}}oops\"\n", to: confidential) + 1
        let run = try Self.run(["lint", templates.path])
        XCTAssertNotEqual(run.status, 0)
        let output = run.stdout + run.stderr
        XCTAssertTrue(output.contains("support.yaml:\(supportLine): "), output)
        XCTAssertTrue(output.contains("confidential.yaml:\(confidentialLine): "), output)
    }

    func testRenderPrintsExactlyWhatServePutsUnderResult() async throws {
        let bodies: [(String, [String: Any])] = [
            ("seed", HookBody.seed),
            ("mentions", HookBody.receiversOffline(to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("a \"quoted\" 👨‍👩‍👧 line\nnext"), mentioned: ["Spike"])),
            ("mentionAll", HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("all hands"), mentionAll: true)),
            ("support", HookBody.receiversOffline(conversation: "support-5", content: #"{"_lctype":-2,"_lctext":""}"#)),
            ("private", HookBody.receiversOffline(conversation: "secure-5", content: "secret")),
        ]
        let directory = try makeTemporaryDirectory()
        var files: [(String, URL)] = []
        for (name, body) in bodies {
            let file = directory.appendingPathComponent("\(name).json")
            try Data(jsonBody(body).readableBytesView).write(to: file)
            files.append((name, file))
        }
        let configuration = try makeConfiguration(secured: true)
        let urls = files.map(\.1)
        let served: [String] = try await withServer(configuration) { server in
            var results: [String] = []
            for file in urls {
                let response = try await server.call("_receiversOffline", body: .init(data: try Data(contentsOf: file)))
                XCTAssertEqual(response.status, .ok)
                // The raw text under "result", as served.
                let text = response.text
                XCTAssertTrue(text.hasPrefix(#"{"result":"#) && text.hasSuffix("}"), text)
                results.append(String(text.dropFirst(#"{"result":"#.count).dropLast()))
            }
            return results
        }
        for ((name, file), expected) in zip(files, served) {
            let run = try Self.run(["render", "--templates", Repository.templates.path, file.path])
            XCTAssertEqual(run.status, 0, "\(name): \(run.stderr)")
            XCTAssertEqual(run.stdout, expected + "\n", name)
        }
    }

    func testRenderRefusesABadBody() throws {
        let file = try makeTemporaryDirectory().appendingPathComponent("bad.json")
        try Data(#"{"fromPeer": 1}"#.utf8).write(to: file)
        let run = try Self.run(["render", "--templates", Repository.templates.path, file.path])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("bad.json"), run.stderr)
        XCTAssertEqual(run.stdout, "")
    }
}
