import AuditLog
import Foundation
@testable import Server
import XCTest

/// The log seals every record into its stream's chain, across files, restarts, repairs,
/// compression and retention; records it cannot write leave a `gap` in the chain.
final class AuditChainWriterTests: XCTestCase {
    let chain = AuditChain(auditKey: Array("the audit key of these tests".utf8))

    private func record(_ index: Int, pad: Int = 0) -> AuditLine {
        var record = HookAuditRecord.start(.hook)
        record.member("call", "call-\(index)")
        record.member("pad", String(repeating: "x", count: pad))
        return AuditLine(bytes: record.finish())
    }

    /// Every line of the directory's stream, in order, with its file.
    private func lines(in directory: URL, stream: String = "") throws -> [(file: AuditFileName, line: [UInt8])] {
        var lines: [(AuditFileName, [UInt8])] = []
        for file in try AuditDirectory(url: directory).streams()[stream] ?? [] {
            var reader = try AuditLineReader(url: file.url)
            defer { reader.close() }
            while let line = try reader.next() {
                XCTAssertTrue(line.complete)
                lines.append((file.name, Array(line.bytes)))
            }
        }
        return lines
    }

    /// Checks that every line is sealed, intact and linked to the one before; the seals.
    @discardableResult
    private func assertChained(_ lines: [(file: AuditFileName, line: [UInt8])], from start: ChainValue = .genesis, file: StaticString = #filePath, line: UInt = #line) -> [AuditChain.Seal] {
        var prev = start
        var seals: [AuditChain.Seal] = []
        for (index, entry) in lines.enumerated() {
            guard let seal = chain.check(entry.line) else {
                XCTFail("line \(index + 1) (\(entry.file)) is not sealed", file: file, line: line)
                return seals
            }
            XCTAssertTrue(seal.intact, "line \(index + 1) (\(entry.file))", file: file, line: line)
            XCTAssertEqual(seal.prev, prev, "line \(index + 1) (\(entry.file)) does not follow the one before", file: file, line: line)
            prev = seal.mac
            seals.append(seal)
        }
        return seals
    }

    private func kind(_ line: [UInt8]) throws -> String? {
        try decodeJSON(String(decoding: line, as: UTF8.self))["kind"]?.stringValue
    }

    func testTheChainRunsAcrossRotationCompressionAndRestarts() async throws {
        let directory = try makeTemporaryDirectory()
        let first = try JSONLinesAuditLog(directory: directory, maxFileBytes: 2048, chain: chain, logger: testLogger)
        for batch in 0..<6 { await first.record((0..<5).map { record(batch * 5 + $0, pad: 100) }) }
        await first.close()
        await first.maintenanceSettled()
        // A restart: the next log reads where the chain stands from the files.
        let second = try JSONLinesAuditLog(directory: directory, maxFileBytes: 2048, chain: chain, logger: testLogger)
        for index in 30..<40 { await second.record(record(index, pad: 100)) }
        await second.flush()
        await second.maintenanceSettled()

        let all = try lines(in: directory)
        XCTAssertEqual(all.count, 40)
        assertChained(all)
        let names = Set(all.map(\.file))
        XCTAssertGreaterThan(names.count, 3, "rotated by size")
        XCTAssertTrue(names.sorted().dropLast().allSatisfy(\.compressed), "finished files are compressed: \(names.sorted())")
        XCTAssertFalse(names.sorted().last!.compressed, "the file being written stays plain")
    }

    func testAStreamPerInstanceKeepsItsOwnChain() async throws {
        let directory = try makeTemporaryDirectory()
        let a = try JSONLinesAuditLog(directory: directory, stream: "host_8080", chain: chain, logger: testLogger)
        let b = try JSONLinesAuditLog(directory: directory, stream: "host_8081", chain: chain, logger: testLogger)
        for index in 0..<5 {
            await a.record(record(index))
            await b.record(record(100 + index))
        }
        await a.flush()
        await b.flush()
        XCTAssertEqual(try lines(in: directory, stream: "host_8080").count, 5)
        assertChained(try lines(in: directory, stream: "host_8080"))
        assertChained(try lines(in: directory, stream: "host_8081"))
        XCTAssertTrue(try lines(in: directory, stream: "host_8080").allSatisfy { $0.file.description.hasPrefix("audit-host_8080-") })
    }

    func testARepairAfterACrashIsSealedAndTheChainGoesOnFromTheLastCompleteRecord() async throws {
        let directory = try makeTemporaryDirectory()
        let before = try JSONLinesAuditLog(directory: directory, chain: chain, logger: testLogger)
        for index in 0..<3 { await before.record(record(index)) }
        await before.close()
        // A crash in the middle of a write: half a record at the end of the file.
        let file = directory.appendingPathComponent("audit-\(UTCTimestamp.day()).jsonl")
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"time":"2026-11-28T00:00:00.000Z","v":1,"kind":"hook","call":"cu"#.utf8))
        try handle.close()

        let after = try JSONLinesAuditLog(directory: directory, chain: chain, logger: testLogger)
        await after.record(record(3))
        await after.flush()
        let all = try lines(in: directory)
        XCTAssertEqual(try all.map { try kind($0.line) }, ["hook", "hook", "hook", "repair", "hook"])
        assertChained(all)
    }

    func testRecordsBeyondTheQueueAreDroppedCountedAndLeaveAGap() async throws {
        let directory = try makeTemporaryDirectory()
        let metrics = ServiceMetrics()
        let log = try JSONLinesAuditLog(
            directory: directory, chain: chain, maxQueuedRecords: 100, metrics: AuditMetrics(factory: metrics.factory), logger: testLogger)
        // More than the queue may hold at once: dropped at once, the caller not held.
        await log.record((0..<150).map { record($0) })
        await log.record(record(150))
        await log.flush()

        let all = try lines(in: directory)
        assertChained(all)
        XCTAssertEqual(try all.map { try kind($0.line) }, ["gap", "hook"])
        let gap = try decodeJSON(String(decoding: all[0].line, as: UTF8.self))
        XCTAssertEqual(gap["dropped"], .number(150))
        XCTAssertEqual(gap["reason"], .string("queue full"))
        var exposition: [UInt8] = []
        metrics.registry.emit(into: &exposition)
        XCTAssertTrue(String(decoding: exposition, as: UTF8.self).contains(#"pushcompose_audit_dropped_records_total{reason="queue full"} 150"#))
    }

    func testAFailedWriteIsAGapAndTheHooksGoOn() async throws {
        let directory = try makeTemporaryDirectory()
        let log = try JSONLinesAuditLog(directory: directory, chain: chain, logger: testLogger)
        await log.record(record(0))
        await log.flush()
        // Files may grow no more (EFBIG instead of the signal): the next write fails.
        let size = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("audit-\(UTCTimestamp.day()).jsonl").path)[.size] as! Int
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        let saved = limit
        let previousHandler = signal(SIGXFSZ, SIG_IGN)
        limit.rlim_cur = rlim_t(size)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        await log.record([record(1), record(2)])
        await log.written()  // the write failed, and the writer went on all the same
        var restored = saved
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &restored)
        signal(SIGXFSZ, previousHandler)
        await log.record(record(3))
        await log.flush()

        let all = try lines(in: directory)
        assertChained(all)
        XCTAssertEqual(try all.map { try kind($0.line) }, ["hook", "gap", "hook"])
        let gap = try decodeJSON(String(decoding: all[1].line, as: UTF8.self))
        XCTAssertEqual(gap["dropped"], .number(2))
        XCTAssertTrue(gap["reason"]?.stringValue?.hasPrefix("write failed") == true, "\(gap)")
    }

    func testRetentionDeletesTheOldestFilesAfterACheckpointNamesThem() async throws {
        let directory = try makeTemporaryDirectory()
        // Three old days of the same chain.
        var prev = ChainValue.genesis
        for day in ["2001-01-01", "2001-01-02", "2001-01-03"] {
            var text: [UInt8] = []
            for index in 0..<3 {
                let sealed = chain.seal(record(index).bytes, prev: prev)
                prev = sealed.mac
                text += sealed.line + [0x0A]
            }
            try Data(text).write(to: directory.appendingPathComponent("audit-\(day).jsonl"))
        }
        let log = try JSONLinesAuditLog(directory: directory, chain: chain, retention: AuditRetention(maxAgeDays: 7), logger: testLogger)
        await log.record(record(9))
        await log.flush()
        await log.maintenanceSettled()
        await log.flush()  // the checkpoint, then the deletion it waits for
        await log.maintenanceSettled()

        let all = try lines(in: directory)
        XCTAssertEqual(Set(all.map(\.file.day)), [UTCTimestamp.day()], "the old days are deleted")
        XCTAssertEqual(try all.map { try kind($0.line) }, ["hook", "checkpoint"])
        assertChained(all, from: prev)
        let checkpoint = try decodeJSON(String(decoding: all[1].line, as: UTF8.self))
        XCTAssertEqual(checkpoint["deleted"], .array(["audit-2001-01-01.jsonl.gz", "audit-2001-01-02.jsonl.gz", "audit-2001-01-03.jsonl.gz"].map(JSON.string)))
        XCTAssertEqual(checkpoint["keptFrom"]?["file"], .string("audit-\(UTCTimestamp.day()).jsonl"))
        XCTAssertEqual(checkpoint["keptFrom"]?["prev"], .string(prev.description))
    }
}
