import AuditLog
import Foundation
import XCTest

/// `AuditFileTail`: a plain file read from its end gives the same last complete line as
/// the file compressed, which is read through from its start, whatever the lines'
/// lengths and a torn end.
final class AuditFileTailTests: XCTestCase {
    private var url: URL!

    override func setUpWithError() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tail-\(UUID()).jsonl")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.removeItem(at: url.appendingPathExtension("gz"))
    }

    private func write(_ text: [UInt8]) throws {
        try Data(text).write(to: url)
    }

    private func compressedTail() throws -> [UInt8]? {
        let compressed = url.appendingPathExtension("gz")
        try? FileManager.default.removeItem(at: compressed)
        try GzipFile.compress(url, to: compressed)
        return try AuditFileTail.lastCompleteLine(of: compressed)
    }

    func testWorkedCases() throws {
        let cases: [(String, String?)] = [
            ("", nil), ("torn", nil), ("a\n", "a"), ("a\nb\n", "b"), ("a\nb\ntorn", "b"), ("\n", ""), ("a\n\n", ""),
        ]
        for (text, expected) in cases {
            try write(Array(text.utf8))
            XCTAssertEqual(try AuditFileTail.lastCompleteLine(of: url).map { String(decoding: $0, as: UTF8.self) }, expected, "\(text.debugDescription)")
            XCTAssertEqual(try compressedTail().map { String(decoding: $0, as: UTF8.self) }, expected, "\(text.debugDescription), compressed")
        }
        XCTAssertThrowsError(try AuditFileTail.lastCompleteLine(of: url.appendingPathExtension("missing")))
    }

    /// A damaged end with no newline for longer than a line and a torn end may be is an
    /// error, not the whole file read into memory.
    func testAnEndWithoutNewlinesIsRefusedNotReadWhole() throws {
        let limit = AuditLineReader.maxLineBytes * 2
        try write(Array("a\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: limit + 1))
        XCTAssertThrowsError(try AuditFileTail.lastCompleteLine(of: url)) { error in
            XCTAssertTrue("\(error)".contains("no complete line in its last \(limit) bytes"), "\(error)")
        }
        // Within the bound, the line before the torn end is found.
        try write(Array("a\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: limit - 2))
        XCTAssertEqual(try AuditFileTail.lastCompleteLine(of: url), Array("a".utf8))
    }

    /// Lines shorter and longer than the first read from the end (64 KiB), with and
    /// without a torn last write: the tail matches a read from the start.
    func testMatchesAReadFromTheStart() throws {
        var generator = SystemRandomNumberGenerator()
        let lengths = [0, 1, 100, 1_500, 65_535, 65_536, 65_537, 200_000]
        for round in 0..<60 {
            var text: [UInt8] = []
            // Each line its own letter: a line cut at the wrong place would not match.
            for line in 0..<Int.random(in: 0...4, using: &generator) {
                text += [UInt8](repeating: UInt8(ascii: "a") + UInt8(line), count: lengths.randomElement(using: &generator)!) + [UInt8(ascii: "\n")]
            }
            if Bool.random(using: &generator) {
                text += [UInt8](repeating: UInt8(ascii: "t"), count: lengths.randomElement(using: &generator)!)
            }
            try write(text)
            XCTAssertEqual(try AuditFileTail.lastCompleteLine(of: url), try compressedTail(), "round \(round), \(text.count) bytes")
        }
    }
}
