import Foundation
@testable import Server
import XCTest

/// The journal keeps what was appended and not marked written across the process's end,
/// in order, across the ring's wrap, and takes nothing an earlier lap or a cut-short
/// append left behind.
final class AuditJournalTests: XCTestCase {
    private func record(_ n: Int, pad: Int = 0) -> [UInt8] {
        Array(#"{"n":\#(n),"pad":"\#(String(repeating: "x", count: pad))"}"#.utf8)
    }

    private func path() throws -> String {
        try makeTemporaryDirectory().appendingPathComponent(".journal").path
    }

    func testWhatWasNotMarkedWrittenIsThereAfterReopening() throws {
        let path = try path()
        let journal = try AuditJournal(path: path)
        XCTAssertTrue(journal.append([record(1), record(2)], limit: 100))
        let first = journal.unread()
        XCTAssertEqual(first.records, [record(1), record(2)])
        journal.markWritten(through: first.ends[0], records: 1)
        XCTAssertTrue(journal.append([record(3)], limit: 100))
        journal.close()  // no more marks: the process was killed

        let reopened = try AuditJournal(path: path)
        XCTAssertEqual(reopened.count, 2)
        XCTAssertEqual(reopened.unread().records, [record(2), record(3)])
    }

    func testRecordsWrapAroundTheRingInOrder() throws {
        let path = try path()
        let journal = try AuditJournal(path: path, capacity: 4096)
        var next = 0
        // Many laps of a small ring, records of varied sizes, each batch marked written in turn.
        for round in 0..<200 {
            let batch = (0..<3).map { index in record(next + index, pad: (round * 37 + index * 11) % 700) }
            XCTAssertTrue(journal.append(batch, limit: 100), "round \(round)")
            let unread = journal.unread()
            XCTAssertEqual(unread.records, batch, "round \(round)")
            journal.markWritten(through: unread.end, records: unread.records.count)
            next += 3
        }
        let left = [record(next, pad: 500), record(next + 1, pad: 900)]
        XCTAssertTrue(journal.append(left, limit: 100))
        journal.close()

        let reopened = try AuditJournal(path: path)
        XCTAssertEqual(reopened.capacity, 4096, "an existing journal keeps its capacity")
        XCTAssertEqual(reopened.unread().records, left, "only what was not marked, none of the earlier laps")
    }

    func testAFullRingOrQueueTakesNothingOfTheBatch() throws {
        let journal = try AuditJournal(path: try path(), capacity: 4096)
        XCTAssertFalse(journal.append([record(0), record(1), record(2)], limit: 2), "past the limit of records")
        XCTAssertFalse(journal.append([record(0, pad: 2100), record(1, pad: 2100)], limit: 100), "past the ring's bytes")
        XCTAssertEqual(journal.count, 0)
        XCTAssertTrue(journal.append([record(0, pad: 2100)], limit: 100))
        XCTAssertFalse(journal.append([record(1, pad: 2100)], limit: 100), "the first still takes its room")
        let unread = journal.unread()
        journal.markWritten(through: unread.end, records: 1)
        XCTAssertTrue(journal.append([record(1, pad: 2100)], limit: 100), "room again once written")
        XCTAssertEqual(journal.unread().records, [record(1, pad: 2100)])
    }

    /// A power loss can leave an entry's sequence number on the disk without its record:
    /// recovery stops at the first entry whose checksum does not match.
    func testRecoveryStopsAtAnEntryWhoseRecordDoesNotMatch() throws {
        let path = try path()
        let journal = try AuditJournal(path: path, capacity: 4096)
        XCTAssertTrue(journal.append([record(1), record(2), record(3)], limit: 100))
        journal.close()
        // Damage the second record's bytes: after the header page, entry 1 (its 16-byte
        // header and the record padded to 16), then entry 2's header.
        let firstEntry = AuditJournal.entryHeaderBytes + (record(1).count + 15) / 16 * 16
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(AuditJournal.headerBytes + firstEntry + AuditJournal.entryHeaderBytes + 2))
        try handle.write(contentsOf: Data("9".utf8))
        try handle.close()

        XCTAssertEqual(try AuditJournal(path: path).unread().records, [record(1)])
    }

    func testASecondOpenIsRefusedWhileTheFirstHoldsIt() throws {
        let path = try path()
        let journal = try AuditJournal(path: path)
        XCTAssertThrowsError(try AuditJournal(path: path)) { error in
            XCTAssertTrue("\(error)".contains("held by another process"), "\(error)")
        }
        journal.close()
        XCTAssertNoThrow(try AuditJournal(path: path))
    }

    func testAFileThatIsNotAJournalIsRefusedAndLeftAlone() throws {
        let path = try path()
        try Data("not a journal".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try AuditJournal(path: path)) { error in
            XCTAssertTrue("\(error)".contains("is not an audit journal"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "not a journal")
    }

    /// A header or mark no writer could have made (a capacity past what the file can hold,
    /// a mark off the grid) is refused with the same clear error, never a trap.
    func testADamagedHeaderOrMarkIsRefusedNotTrappedOn() throws {
        let path = try path()
        let journal = try AuditJournal(path: path, capacity: 4096)
        journal.close()
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        for (offset, value) in [(8, UInt64.max), (16 + 16 * Int(original[48] & 1), 8)] {
            var damaged = original
            withUnsafeBytes(of: value.littleEndian) { damaged.replaceSubrange(offset..<(offset + 8), with: $0) }
            try damaged.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try AuditJournal(path: path), "damage at \(offset)") { error in
                XCTAssertTrue("\(error)".contains("is not an audit journal"), "\(error)")
            }
            XCTAssertThrowsError(try AuditJournal.unwrittenRecords(path: path), "damage at \(offset)")
        }
    }

    /// A process killed after it made the file and before it wrote the header (or a power
    /// loss before the header reached the disk) leaves zeros: a new journal, not an error.
    func testAFileOfZerosIsTakenAsANewJournal() throws {
        let path = try path()
        try Data(count: AuditJournal.headerBytes + 20_000).write(to: URL(fileURLWithPath: path))
        let journal = try AuditJournal(path: path, capacity: 8192)
        XCTAssertEqual(journal.count, 0)
        XCTAssertTrue(journal.append([record(1)], limit: 100))
        journal.close()
        XCTAssertEqual(try AuditJournal(path: path).unread().records, [record(1)])
    }

    /// `audit find`, `explain` and `verify` say when a stopped server left records in a
    /// journal: read without taking or changing it, and not while a server holds it.
    func testCommandsAreToldOfRecordsAStoppedServerLeftUnwritten() throws {
        let directory = try makeTemporaryDirectory()
        let path = directory.appendingPathComponent(".journal-host_8080").path
        XCTAssertNil(try AuditJournal.unwrittenRecords(path: path), "no journal")
        XCTAssertEqual(AuditDirectoryOptions.unwrittenJournalNotes(directory), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "reading makes none")

        let journal = try AuditJournal(path: path)
        XCTAssertTrue(journal.append([record(1), record(2)], limit: 100))
        XCTAssertNil(try AuditJournal.unwrittenRecords(path: path), "a running server holds it: its records are on their way")
        journal.close()
        XCTAssertEqual(try AuditJournal.unwrittenRecords(path: path), 2)
        let notes = AuditDirectoryOptions.unwrittenJournalNotes(directory)
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(notes[0].contains(".journal-host_8080 holds 2 records"), "\(notes)")

        let reopened = try AuditJournal(path: path)
        let unread = reopened.unread()
        reopened.markWritten(through: unread.end, records: unread.records.count)
        reopened.close()
        XCTAssertEqual(try AuditJournal.unwrittenRecords(path: path), 0)
        XCTAssertEqual(AuditDirectoryOptions.unwrittenJournalNotes(directory), [])
    }
}
