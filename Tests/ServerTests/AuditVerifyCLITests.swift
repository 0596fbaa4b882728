import AuditLog
import Foundation
import XCTest

/// `pushcompose audit verify`, the built executable: its exit status and where it says the chain breaks.
final class AuditVerifyCLITests: XCTestCase {
    var data: URL!
    let keyText = "0123456789abcdef0123456789abcdef"

    override func setUpWithError() throws {
        data = FileManager.default.temporaryDirectory.appendingPathComponent("verify-cli-\(UUID())")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("audit"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: data)
    }

    /// Two files of sealed records, the first compressed, under the data directory's key file.
    func writeHistory() throws -> URL {
        try Data((keyText + "\n").utf8).write(to: data.appendingPathComponent("audit.key"))
        let chain = AuditChain(auditKey: Array(keyText.utf8))
        var prev = ChainValue.genesis
        var urls: [URL] = []
        for (day, count) in [("2026-11-27", 8), ("2026-11-28", 12)] {
            var text = ""
            for index in 0..<count {
                let record = #"{"time":"\#(day)T10:00:\#(String(format: "%02d", index)).000Z","v":1,"kind":"delivered","push":"p\#(index)","receiver":"Jerry"}"#
                let sealed = chain.seal(Array(record.utf8), prev: prev)
                prev = sealed.mac
                text += String(decoding: sealed.line, as: UTF8.self) + "\n"
            }
            let url = data.appendingPathComponent("audit/audit-\(day).jsonl")
            try Data(text.utf8).write(to: url)
            urls.append(url)
        }
        try GzipFile.compress(urls[0], to: urls[0].appendingPathExtension("gz"))
        return urls[1]
    }

    func testHoldingChainExitsZeroAndAnEditedByteExitsOneNamingFileAndLine() throws {
        let newest = try writeHistory()
        let holding = try CLITests.run(["audit", "verify", "--data", data.path])
        XCTAssertEqual(holding.status, 0, holding.stdout + holding.stderr)
        XCTAssertTrue(holding.stdout.contains("20 records"), holding.stdout)
        XCTAssertTrue(holding.stdout.contains("The chain holds."), holding.stdout)

        var lines = try String(contentsOf: newest, encoding: .utf8).components(separatedBy: "\n")
        lines[6] = lines[6].replacingOccurrences(of: "Jerry", with: "Jerrx")
        try Data(lines.joined(separator: "\n").utf8).write(to: newest)
        let broken = try CLITests.run(["audit", "verify", "--data", data.path])
        XCTAssertEqual(broken.status, 1, broken.stdout + broken.stderr)
        XCTAssertTrue(broken.stdout.contains("audit-2026-11-28.jsonl:7: edited:"), broken.stdout)
        XCTAssertTrue(broken.stdout.contains("The chain is broken"), broken.stdout)

        let json = try CLITests.run(["audit", "verify", "--data", data.path, "--json"])
        XCTAssertEqual(json.status, 1)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["holds"] as? Bool, false)
        let problem = try XCTUnwrap(((object["streams"] as? [[String: Any]])?.first)?["problem"] as? [String: Any])
        XCTAssertEqual(problem["file"] as? String, "audit-2026-11-28.jsonl")
        XCTAssertEqual(problem["line"] as? Int, 7)
        XCTAssertEqual(problem["kind"] as? String, "edited")
    }

    func testSinceSkipsTheEarlierFile() throws {
        _ = try writeHistory()
        let compressed = data.appendingPathComponent("audit/audit-2026-11-27.jsonl.gz")
        try Data("not gzip".utf8).write(to: compressed)
        let broken = try CLITests.run(["audit", "verify", "--data", data.path])
        XCTAssertEqual(broken.status, 1, broken.stdout + broken.stderr)
        XCTAssertTrue(broken.stdout.contains("audit-2026-11-27.jsonl.gz:1: unreadable:"), broken.stdout)
        let since = try CLITests.run(["audit", "verify", "--data", data.path, "--since", "2026-11-28T10:00:05Z"])
        XCTAssertEqual(since.status, 0, since.stdout + since.stderr)
        XCTAssertTrue(since.stdout.contains("7 records"), since.stdout)
        let bad = try CLITests.run(["audit", "verify", "--data", data.path, "--since", "yesterday"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--since must be"), bad.stderr)
    }

    func testWithoutAKeyItFailsAndMakesNone() throws {
        _ = try writeHistory()
        try FileManager.default.removeItem(at: data.appendingPathComponent("audit.key"))
        let run = try CLITests.run(["audit", "verify", "--data", data.path])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("no audit key"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.appendingPathComponent("audit.key").path))
    }
}
