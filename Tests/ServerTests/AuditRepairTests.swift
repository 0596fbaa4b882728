import AuditLog
import Foundation
@testable import Server
import XCTest

/// A crash can leave an audit file ending inside a record. Before it appends, the log ends
/// the file at its last complete line, keeps the fragment in a side file and records the
/// repair, so the next record never joins the fragment.
final class AuditRepairTests: XCTestCase {
    static let complete = #"{"kind":"hook","conversation":"a"}"# + "\n" + #"{"kind":"hook","conversation":"b"}"# + "\n"
    static let fragment = #"{"kind":"hook","conversation":"c","text":"cut he"#

    private func log(in directory: URL) throws -> JSONLinesAuditLog {
        try JSONLinesAuditLog(directory: directory, logger: testLogger)
    }

    /// Records `line` with a new log on `directory` and waits until it is in the files.
    private func recordWritten(_ line: AuditLine, in directory: URL) async throws {
        let log = try log(in: directory)
        await log.record(line)
        await log.written()
    }

    private func line(_ conversation: String) -> AuditLine {
        AuditLine(bytes: Array(#"{"kind":"hook","conversation":"\#(conversation)"}"#.utf8))
    }

    private func contents(_ url: URL) throws -> String {
        try String(contentsOf: url, encoding: .utf8)
    }

    func testATornLastLineIsCutKeptAsideAndRecorded() async throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("audit-\(UTCTimestamp.day()).jsonl")
        try Data((Self.complete + Self.fragment).utf8).write(to: file)

        try await recordWritten(line("d"), in: directory)

        let text = try contents(file)
        XCTAssertTrue(text.hasPrefix(Self.complete), text)
        XCTAssertTrue(text.hasSuffix("\n"), text)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, text)
        let records = try lines.map(decodeJSON)  // every line is whole JSON: nothing joined the fragment
        let repair = records[2]
        XCTAssertEqual(repair["kind"], .string("repair"))
        XCTAssertEqual(repair["file"], .string(file.lastPathComponent))
        XCTAssertEqual(repair["offset"], .number(Double(Self.complete.utf8.count)))
        XCTAssertEqual(repair["fragmentBytes"], .number(Double(Self.fragment.utf8.count)))
        XCTAssertEqual(repair["sideFile"], .string(file.lastPathComponent + ".torn-1"))
        XCTAssertNotNil(repair["time"]?.stringValue)
        XCTAssertEqual(records[3]["conversation"], .string("d"))
        // The fragment, byte for byte, beside the file.
        XCTAssertEqual(try contents(directory.appendingPathComponent(file.lastPathComponent + ".torn-1")), Self.fragment)
    }

    func testASecondRepairKeepsTheFirstsSideFile() async throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("audit-\(UTCTimestamp.day()).jsonl")
        try Data("earlier fragment".utf8).write(to: directory.appendingPathComponent(file.lastPathComponent + ".torn-1"))
        try Data(Self.fragment.utf8).write(to: file)  // not one complete line

        try await recordWritten(line("d"), in: directory)

        let records = try contents(file).split(separator: "\n").map { try decodeJSON(String($0)) }
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(records[0]["offset"], .number(0))
        XCTAssertEqual(records[0]["sideFile"], .string(file.lastPathComponent + ".torn-2"))
        XCTAssertEqual(try contents(directory.appendingPathComponent(file.lastPathComponent + ".torn-1")), "earlier fragment")
        XCTAssertEqual(try contents(directory.appendingPathComponent(file.lastPathComponent + ".torn-2")), Self.fragment)
    }

    func testAnEarlierDaysTornFileIsRepairedAndTheRepairRecordedInTodays() async throws {
        let directory = try makeTemporaryDirectory()
        let earlier = directory.appendingPathComponent("audit-2001-01-01.3.jsonl")
        try Data((Self.complete + Self.fragment).utf8).write(to: earlier)

        let log = try log(in: directory)
        await log.record(line("d"))
        await log.written()
        await log.maintenanceSettled()

        // Repaired first, then compressed: a file of an earlier run that is not the newest is finished.
        XCTAssertFalse(FileManager.default.fileExists(atPath: earlier.path))
        var reader = try AuditLineReader(url: earlier.appendingPathExtension("gz"))
        var lines: [String] = []
        while let line = try reader.next() { lines.append(String(decoding: line.bytes, as: UTF8.self) + (line.complete ? "\n" : "")) }
        XCTAssertEqual(lines.joined(), Self.complete)
        let today = directory.appendingPathComponent("audit-\(UTCTimestamp.day()).jsonl")
        let records = try contents(today).split(separator: "\n").map { try decodeJSON(String($0)) }
        XCTAssertEqual(records.map { $0["kind"] }, [.string("repair"), .string("hook")])
        XCTAssertEqual(records[0]["file"], .string("audit-2001-01-01.3.jsonl"))
    }

    func testWholeFilesAreLeftAsTheyAre() async throws {
        let directory = try makeTemporaryDirectory()
        let file = directory.appendingPathComponent("audit-\(UTCTimestamp.day()).jsonl")
        try Data(Self.complete.utf8).write(to: file)

        try await recordWritten(line("d"), in: directory)

        XCTAssertEqual(try contents(file), Self.complete + #"{"kind":"hook","conversation":"d"}"# + "\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), [JSONLinesAuditLog.journalName(stream: ""), file.lastPathComponent])
    }
}
