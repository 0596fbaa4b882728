@testable import AuditLog
import Foundation
import XCTest

final class AuditChainTests: XCTestCase {
    let chain = AuditChain(auditKey: Array("a test audit key of some length".utf8))

    func testSealedLineChecksAndLinks() throws {
        let first = chain.seal(Array(#"{"time":"2026-11-28T00:00:00.000Z","kind":"hook"}"#.utf8), prev: .genesis)
        let second = chain.seal(Array(#"{"time":"2026-11-28T00:00:01.000Z","kind":"gap"}"#.utf8), prev: first.mac)
        XCTAssertTrue(String(decoding: first.line, as: UTF8.self).hasSuffix(#"","mac":"\#(first.mac)"}"#))
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(second.line)) as? [String: String] != nil, true)
        let checked = try XCTUnwrap(chain.check(second.line))
        XCTAssertEqual(checked, AuditChain.Seal(prev: first.mac, mac: second.mac, intact: true))
        XCTAssertEqual(chain.check(first.line)?.prev, .genesis)
    }

    func testEditedByteFailsItsOwnMac() throws {
        var line = chain.seal(Array(#"{"time":"2026-11-28T00:00:00.000Z","kind":"hook","text":"hello"}"#.utf8), prev: .genesis).line
        let at = try XCTUnwrap(line.firstIndex(of: UInt8(ascii: "h")))
        line[at] = UInt8(ascii: "j")
        XCTAssertEqual(chain.check(line)?.intact, false)
    }

    func testOtherKeyDoesNotVerify() {
        let line = chain.seal(Array(#"{"time":"x"}"#.utf8), prev: .genesis).line
        XCTAssertEqual(AuditChain(auditKey: Array("another key, just as long".utf8)).check(line)?.intact, false)
    }

    func testUnsealedLineIsNil() {
        XCTAssertNil(chain.check(Array(#"{"time":"2026-11-28T00:00:00.000Z","type":"hook"}"#.utf8)))
    }

    func testFileNamesRoundTrip() {
        for name in ["audit-2026-11-28.jsonl", "audit-2026-11-28.3.jsonl.gz", "audit-host_8080-2026-11-28.jsonl", "audit-a-b.c-2026-01-02.12.jsonl"] {
            XCTAssertEqual(AuditFileName(name)?.description, name)
        }
        XCTAssertEqual(AuditFileName("audit-a-b.c-2026-01-02.12.jsonl")?.stream, "a-b.c")
        XCTAssertEqual(AuditFileName("audit-2026-01-02.12.jsonl")?.sequence, 12)
        for name in ["audit-2026-11-28.jsonl.torn-1", "audit.key", "audit-2026-11-28.jsonl.gz.tmp", "audit--2026-11-28.jsonl", "audit-2026-1-28.jsonl"] {
            XCTAssertNil(AuditFileName(name), name)
        }
    }

    func testCompressedFileReadsAsTheOriginal() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("audit-2026-11-28.jsonl")
        var text = ""
        for index in 0..<50_000 { text += #"{"n":\#(index),"pad":"\#(String(repeating: "x", count: index % 300))"}"# + "\n" }
        text += "torn"
        try Data(text.utf8).write(to: plain)
        let compressed = directory.appendingPathComponent("audit-2026-11-28.jsonl.gz")
        try GzipFile.compress(plain, to: compressed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: plain.path))
        var reader = try AuditLineReader(url: compressed)
        var lines: [String] = []
        while let line = try reader.next() {
            lines.append(String(decoding: line.bytes, as: UTF8.self))
            XCTAssertEqual(line.number, lines.count)
            XCTAssertEqual(line.complete, lines.count <= 50_000)
        }
        XCTAssertEqual(lines.joined(separator: "\n"), text)
    }

    func testAFilesDayBoundsTheRecordsItMayHold() throws {
        func file(_ day: String) -> AuditDirectory.File {
            AuditDirectory.File(name: AuditFileName(stream: "", day: day, sequence: 0), url: URL(fileURLWithPath: "/x"), size: 0)
        }
        // A record is made before it is written: a day's file holds none of the next day's.
        XCTAssertFalse(file("2026-11-27").mayHold(since: "2026-11-28T00:30:00.000Z", until: nil))
        XCTAssertTrue(file("2026-11-27").mayHold(since: "2026-11-27T23:59:00.000Z", until: nil))
        // But it may hold the last records of the day before, made before midnight.
        XCTAssertTrue(file("2026-11-28").mayHold(since: nil, until: "2026-11-27T23:30:00.000Z"))
        XCTAssertFalse(file("2026-11-28").mayHold(since: nil, until: "2026-11-27T22:00:00.000Z"))
    }

    func testALineWithoutEndIsRefusedPastTheLimit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("long-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("audit-2026-11-28.jsonl")
        try Data("{\"time\":1}\n".utf8 + [UInt8](repeating: UInt8(ascii: "x"), count: AuditLineReader.maxLineBytes + (2 << 20))).write(to: file)
        var reader = try AuditLineReader(url: file)
        XCTAssertEqual(try reader.next()?.number, 1)
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertEqual((error as? LineTooLong)?.line, 2)
        }
    }
}
