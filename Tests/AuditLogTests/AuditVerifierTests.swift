@testable import AuditLog
import Crypto
import Foundation
import XCTest

final class AuditVerifierTests: XCTestCase {
    static let key = Array("a test audit key of some length".utf8)
    let chain = AuditChain(auditKey: AuditVerifierTests.key)
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes one stream's sealed records as the server does: a chain across files.
    final class StreamWriter {
        let chain: AuditChain
        let directory: URL
        let stream: String
        var prev = ChainValue.genesis
        var written = 0

        init(chain: AuditChain, directory: URL, stream: String = "") {
            self.chain = chain
            self.directory = directory
            self.stream = stream
        }

        func url(_ day: String, _ sequence: Int = 0, compressed: Bool = false) -> URL {
            directory.appendingPathComponent(AuditFileName(stream: stream, day: day, sequence: sequence, compressed: compressed).description)
        }

        /// `count` delivery records in a new file of `day`; compressed (as rotation leaves
        /// it) when asked. The file's URL.
        @discardableResult
        func file(_ day: String, _ sequence: Int = 0, records count: Int, compressed: Bool = false, extra: [String] = []) throws -> URL {
            var text = ""
            for _ in 0..<count { text += line(day: day, #""kind":"queued","call":"call-\#(written)","push":"push-\#(written)","receiver":"Jerry""#) }
            for members in extra { text += line(day: day, members) }
            let plain = url(day, sequence)
            try Data(text.utf8).write(to: plain)
            guard compressed else { return plain }
            try GzipFile.compress(plain, to: url(day, sequence, compressed: true))
            return url(day, sequence, compressed: true)
        }

        /// A sealed line of `members` (after time and v), with its newline.
        func line(day: String, _ members: String) -> String {
            written += 1
            let seconds = written
            let time = String(format: "%@T%02d:%02d:%02d.000Z", day, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
            let sealed = chain.seal(Array(#"{"time":"\#(time)","v":1,\#(members)}"#.utf8), prev: prev)
            prev = sealed.mac
            return String(decoding: sealed.line, as: UTF8.self) + "\n"
        }
    }

    func verify(since: Date? = nil) throws -> VerifyReport {
        try AuditVerifier(directory: AuditDirectory(url: directory), chain: chain).verify(since: since)
    }

    func lines(_ url: URL) throws -> [String] {
        var text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text.removeLast(), "\n")
        return text.components(separatedBy: "\n")
    }

    func write(_ lines: [String], to url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    func assertProblem(
        _ report: VerifyReport, _ kind: VerifyFinding.Kind, file: String, line: Int, mentioning words: [String] = [],
        sourceLocation: (file: StaticString, line: UInt) = (#filePath, #line)
    ) throws {
        XCTAssertFalse(report.holds, file: sourceLocation.file, line: sourceLocation.line)
        let problem = try XCTUnwrap(report.streams.compactMap(\.problem).first, file: sourceLocation.file, line: sourceLocation.line)
        XCTAssertEqual(problem.kind, kind, problem.message, file: sourceLocation.file, line: sourceLocation.line)
        XCTAssertEqual(problem.file, file, problem.message, file: sourceLocation.file, line: sourceLocation.line)
        XCTAssertEqual(problem.line, line, problem.message, file: sourceLocation.file, line: sourceLocation.line)
        for word in words { XCTAssertTrue(problem.message.contains(word), problem.message, file: sourceLocation.file, line: sourceLocation.line) }
    }

    /// Four files of the single instance's stream: two days, rotated by size, all but the
    /// newest compressed; the middle one (`audit-2026-11-27.1.jsonl`) left plain to tamper with.
    @discardableResult
    func history(middleCompressed: Bool = false) throws -> StreamWriter {
        let writer = StreamWriter(chain: chain, directory: directory)
        try writer.file("2026-11-27", records: 20, compressed: true)
        try writer.file("2026-11-27", 1, records: 20, compressed: middleCompressed)
        try writer.file("2026-11-28", records: 20, compressed: true)
        try writer.file("2026-11-28", 1, records: 10)
        return writer
    }

    let middle = "audit-2026-11-27.1.jsonl"

    // MARK: Holding

    /// The chain's hashing (two SHA-256 started on the padded key, for speed) is HMAC-SHA256
    /// under the key derived from the audit key, as documented.
    func testSealIsHMACUnderTheDerivedKey() throws {
        let derived = HMAC<SHA256>.authenticationCode(for: Array("pushcompose audit chain 1".utf8), using: SymmetricKey(data: Self.key))
        let record = Array(#"{"time":"2026-11-28T00:00:00.000Z","v":1,"kind":"gap","dropped":3,"reason":"queue full"}"#.utf8)
        let prev = try XCTUnwrap(ChainValue(hex: String(repeating: "a7", count: 32)))
        let sealed = chain.seal(record, prev: prev)
        let covered = record.dropLast() + Array(#","prev":""#.utf8) + prev.hex
        XCTAssertEqual(sealed.mac.bytes, Array(HMAC<SHA256>.authenticationCode(for: covered, using: SymmetricKey(data: Array(derived)))))
        XCTAssertEqual(chain.check(sealed.line), AuditChain.Seal(prev: prev, mac: sealed.mac, intact: true))
        XCTAssertNil(ChainValue(hex: String(repeating: "a7", count: 31) + "ag"))
    }

    func testIntactChainsHoldAcrossFilesCompressionAndStreams() throws {
        try history(middleCompressed: true)
        let other = StreamWriter(chain: chain, directory: directory, stream: "node-b_3000")
        try other.file("2026-11-28", records: 30, compressed: true)
        try other.file("2026-11-28", 1, records: 5)
        let report = try verify()
        XCTAssertTrue(report.holds, "\(report.streams.compactMap(\.problem))")
        XCTAssertEqual(report.streams.map(\.stream), ["", "node-b_3000"])
        let single = report.streams[0]
        XCTAssertEqual(
            single.files, ["audit-2026-11-27.jsonl.gz", "audit-2026-11-27.1.jsonl.gz", "audit-2026-11-28.jsonl.gz", "audit-2026-11-28.1.jsonl"])
        XCTAssertEqual(single.records, 70)
        XCTAssertEqual(single.start, .genesis)
        XCTAssertEqual(single.firstTime, "2026-11-27T00:00:01.000Z")
        XCTAssertEqual(single.lastTime, "2026-11-28T00:01:10.000Z")
        XCTAssertNil(single.tornEnd)
        XCTAssertEqual(report.streams[1].records, 35)
        XCTAssertGreaterThan(single.bytes, 70 * 100)
    }

    func testAnotherKeyDoesNotVerify() throws {
        try history()
        let report = try AuditVerifier(directory: AuditDirectory(url: directory), chain: AuditChain(auditKey: Array("another key of some length".utf8)))
            .verify()
        try assertProblem(report, .edited, file: "audit-2026-11-27.jsonl.gz", line: 1)
    }

    // MARK: Tampering, each at its place

    func testEditedByteIsFoundAtItsLine() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        lines[6] = lines[6].replacingOccurrences(of: "Jerry", with: "Jerrz")
        try write(lines, to: url)
        try assertProblem(try verify(), .edited, file: middle, line: 7, mentioning: ["changed after it was sealed"])
    }

    func testEditedByteInACompressedFileIsFoundAtItsLine() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        lines[11] = lines[11].replacingOccurrences(of: "queued", with: "qveued")
        try write(lines, to: url)
        try GzipFile.compress(url, to: url.appendingPathExtension("gz"))
        try assertProblem(try verify(), .edited, file: middle + ".gz", line: 12)
    }

    func testDamagedSealIsEdited() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        lines[13] = String(lines[13].dropLast(3)) + #"z"}"#
        try write(lines, to: url)
        try assertProblem(try verify(), .edited, file: middle, line: 14, mentioning: ["seal"])
    }

    func testDeletedLineIsMissingBeforeTheLineThatFollowedIt() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        lines.remove(at: 9)
        try write(lines, to: url)
        try assertProblem(try verify(), .missing, file: middle, line: 10, mentioning: ["does not link to line 9"])
    }

    func testSwappedLinesAreReorderedAtTheFirst() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        lines.swapAt(4, 5)
        try write(lines, to: url)
        try assertProblem(try verify(), .reordered, file: middle, line: 5, mentioning: ["\(middle):6"])
    }

    func testLineMovedAFewLinesLaterIsReordered() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        let moved = lines.remove(at: 3)
        lines.insert(moved, at: 8)
        try write(lines, to: url)
        try assertProblem(try verify(), .reordered, file: middle, line: 4)
    }

    func testFileCutAtALineBoundaryIsMissingAtTheNextFileNamingWhereItEnds() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        try write(Array(try lines(url).prefix(12)), to: url)
        try assertProblem(
            try verify(), .missing, file: "audit-2026-11-28.jsonl.gz", line: 1, mentioning: ["\(middle) was cut short after line 12"])
    }

    func testDeletedMiddleFileIsMissingAtTheNextFileNamingIt() throws {
        let writer = StreamWriter(chain: chain, directory: directory)
        try writer.file("2026-11-27", records: 10, compressed: true)
        try writer.file("2026-11-27", 1, records: 10, compressed: true)
        try writer.file("2026-11-27", 2, records: 10, compressed: true)
        try writer.file("2026-11-27", 3, records: 10)
        try FileManager.default.removeItem(at: writer.url("2026-11-27", 1, compressed: true))
        try assertProblem(
            try verify(), .missing, file: "audit-2026-11-27.2.jsonl.gz", line: 1,
            mentioning: ["audit-2026-11-27.jsonl.gz (line 10)", "audit-2026-11-27.1.jsonl.gz is missing"])
    }

    func testDeletedMiddleFileAcrossDaysIsMissingAtTheNextFile() throws {
        try history()
        try FileManager.default.removeItem(at: directory.appendingPathComponent(middle))
        try assertProblem(try verify(), .missing, file: "audit-2026-11-28.jsonl.gz", line: 1, mentioning: ["audit-2026-11-27.jsonl.gz"])
    }

    func testRecordInsertedFromAnotherKeyIsInsertedAtItsLine() throws {
        let writer = try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        let forger = StreamWriter(chain: AuditChain(auditKey: Array("the forger's own key, as long".utf8)), directory: directory)
        forger.written = writer.written
        forger.prev = try XCTUnwrap(chain.check(Array(lines[5].utf8))).mac
        lines.insert(String(forger.line(day: "2026-11-27", #""kind":"delivered","push":"push-6","receiver":"Jerry""#).dropLast()), at: 6)
        try write(lines, to: url)
        try assertProblem(try verify(), .inserted, file: middle, line: 7, mentioning: ["\(middle):6"])
    }

    func testCopiedRecordIsInserted() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        lines.insert(lines[2], at: 8)
        try write(lines, to: url)
        try assertProblem(try verify(), .inserted, file: middle, line: 9, mentioning: ["copy of the record at \(middle):3"])
    }

    func testUnsealedLineAmongSealedOnesIsInserted() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        lines.insert(#"{"time":"2026-11-27T00:00:30.000Z","type":"hook"}"#, at: 3)
        try write(lines, to: url)
        try assertProblem(try verify(), .inserted, file: middle, line: 4)
    }

    // MARK: Crashes, gaps, retention: not tampering

    func testTornLastLineOfTheNewestFileIsNotTampering() throws {
        let writer = try history()
        let newest = writer.url("2026-11-28", 1)
        let torn = writer.line(day: "2026-11-28", #""kind":"queued","push":"push-x""#).prefix(40)
        let handle = try FileHandle(forWritingTo: newest)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(torn.utf8))
        try handle.close()
        let report = try verify()
        XCTAssertTrue(report.holds, "\(report.streams.compactMap(\.problem))")
        XCTAssertEqual(report.streams[0].tornEnd, VerifyTornEnd(file: "audit-2026-11-28.1.jsonl", line: 11, bytes: 40))
        XCTAssertEqual(report.streams[0].records, 70)
    }

    func testTornLineInAnOlderFileIsAProblem() throws {
        try history()
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        lines[19] = String(lines[19].prefix(50))
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        try assertProblem(try verify(), .torn, file: middle, line: 20, mentioning: ["not the stream's newest file"])
    }

    func testGapsAndRepairsAreListedNotProblems() throws {
        let writer = StreamWriter(chain: chain, directory: directory)
        try writer.file(
            "2026-11-28", records: 5,
            extra: [
                #""kind":"gap","dropped":12,"reason":"queue full""#,
                #""kind":"repair","file":"audit-2026-11-28.jsonl","offset":1234,"fragmentBytes":40,"sideFile":"audit-2026-11-28.jsonl.torn-1""#,
            ])
        let report = try verify()
        XCTAssertTrue(report.holds)
        XCTAssertEqual(report.streams[0].gaps, [VerifyGap(file: "audit-2026-11-28.jsonl", line: 6, time: "2026-11-28T00:00:06.000Z", dropped: 12, reason: "queue full")])
        XCTAssertEqual(
            report.streams[0].repairs,
            [
                VerifyRepair(
                    file: "audit-2026-11-28.jsonl", line: 7, time: "2026-11-28T00:00:07.000Z", repairedFile: "audit-2026-11-28.jsonl", offset: 1234,
                    fragmentBytes: 40, sideFile: "audit-2026-11-28.jsonl.torn-1")
            ])
    }

    func testRecordsBeforeTheChainAreCountedNotChained() throws {
        let legacy = #"{"time":"2026-11-26T10:00:00.000Z","type":"hook","call":"c"}"# + "\n"
        try Data(String(repeating: legacy, count: 3).utf8).write(to: directory.appendingPathComponent("audit-2026-11-26.jsonl"))
        try history()
        let report = try verify()
        XCTAssertTrue(report.holds, "\(report.streams.compactMap(\.problem))")
        XCTAssertEqual(report.streams[0].unsealed, 3)
        XCTAssertEqual(report.streams[0].records, 73)
        XCTAssertEqual(report.streams[0].start, .genesis)
    }

    /// Retention deleted the two oldest files: a later checkpoint names where the kept history starts.
    func testCheckpointExplainsDeletedOldestFiles() throws {
        let writer = StreamWriter(chain: chain, directory: directory)
        try writer.file("2026-11-27", records: 10, compressed: true)
        try writer.file("2026-11-27", 1, records: 10, compressed: true)
        let keptPrev = writer.prev
        try writer.file("2026-11-28", records: 10, compressed: true)
        try writer.file(
            "2026-11-28", 1, records: 3,
            extra: [
                #""kind":"checkpoint","deleted":["audit-2026-11-27.jsonl.gz","audit-2026-11-27.1.jsonl.gz"],"keptFrom":{"file":"audit-2026-11-28.jsonl","prev":"\#(keptPrev)"}"#
            ])
        try FileManager.default.removeItem(at: writer.url("2026-11-27", compressed: true))
        try FileManager.default.removeItem(at: writer.url("2026-11-27", 1, compressed: true))
        let report = try verify()
        XCTAssertTrue(report.holds, "\(report.streams.compactMap(\.problem))")
        XCTAssertEqual(report.streams[0].start, .checkpoint(file: "audit-2026-11-28.1.jsonl", line: 4))
    }

    func testDeletedOldestFilesWithoutCheckpointAreMissingHistory() throws {
        let writer = try history()
        try FileManager.default.removeItem(at: writer.url("2026-11-27", compressed: true))
        try assertProblem(try verify(), .missing, file: middle, line: 1, mentioning: ["history before \(middle) is missing"])
    }

    func testSinceSkipsEarlierFilesAndLines() throws {
        try history()
        // Damage in a file before `since` is not looked at.
        let url = directory.appendingPathComponent(middle)
        var lines = try lines(url)
        lines[3] = lines[3].replacingOccurrences(of: "Jerry", with: "Jerrz")
        try write(lines, to: url)
        let since = try XCTUnwrap(AuditTime.date("2026-11-28T00:00:50.000Z"))
        let report = try verify(since: since)
        XCTAssertTrue(report.holds, "\(report.streams.compactMap(\.problem))")
        XCTAssertEqual(report.streams[0].files, ["audit-2026-11-28.jsonl.gz", "audit-2026-11-28.1.jsonl"])
        XCTAssertEqual(report.streams[0].start, .since)
        XCTAssertEqual(report.streams[0].firstTime, "2026-11-28T00:00:50.000Z")
        XCTAssertEqual(report.streams[0].records, 21)
        XCTAssertEqual(report.since, "2026-11-28T00:00:50.000Z")
        try assertProblem(try verify(since: AuditTime.date("2026-11-27T00:00:00.000Z")), .edited, file: middle, line: 4)
    }

    func testSinceAfterEveryRecordChecksNothing() throws {
        try history()
        let report = try verify(since: AuditTime.date("2026-11-28T00:30:00.000Z"))
        XCTAssertTrue(report.holds)
        XCTAssertEqual(report.streams[0].files, [])
        XCTAssertEqual(report.streams[0].records, 0)
        XCTAssertEqual(report.streams[0].start, .none)
    }
}
