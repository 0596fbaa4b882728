import Delivery
import Foundation
import GRDB

/// The intake is `intake.sqlite` (`SQLiteIntakeFile`): one row per accept, its pushes
/// as text (`NewPush.storedText`). An accept is one insert on a writer of its own,
/// instead of each job's rows, index entries, badge and count updates on the queue's.
extension SQLiteDeliveryQueue: PushIntake {
    public func accept(_ pushes: [NewPush], now: Date) async throws {
        // Encoded here, off the database's writer.
        let text = NewPush.storedText(pushes)
        let acceptedAt = StoredValue.milliseconds(now)
        try await database.intake.pool.write { db in
            try db.execute(sql: "INSERT INTO intake (accepted_at, pushes) VALUES (?, ?)", arguments: [acceptedAt, text])
        }
    }

    /// Three steps: the records past the watermark are read and decoded; the queue's
    /// transaction writes their jobs and moves the watermark past them, committed with
    /// the queue's durability; then they are deleted from the intake. A crash between
    /// the last two leaves records the watermark passed: never admitted again, and
    /// deleted by the next admission.
    public func admit(upTo pushLimit: Int) async throws -> [AdmittedPushes] {
        let watermark = try await database.pool.read(Self.watermark)
        let rows = try await database.intake.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, accepted_at, pushes FROM intake WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [watermark, Self.recordsReadPerAdmission])
            .map { (id: $0[0] as Int64, acceptedAt: StoredValue.date($0[1]), text: $0[2] as String) }
        }
        // Decoded here, off the queue's writer, and only the records this admission takes:
        // the rest are read again (not decoded again) by the next one.
        var records: [(id: Int64, acceptedAt: Date, pushes: [NewPush])] = []
        var count = 0
        for row in rows where count < max(1, pushLimit) {
            do {
                records.append((row.id, row.acceptedAt, try NewPush.pushes(storedText: row.text)))
            } catch {
                throw IntakeRecordError(id: row.id, underlying: error)
            }
            count += records[records.count - 1].pushes.count
        }
        guard !records.isEmpty else { return [] }
        let admittedRecords = records
        let (admitted, through) = try await database.durableWrite { db in
            // Read again in the transaction: another process on the same files (a
            // command) must not admit a record twice.
            var through = try Self.watermark(db)
            var admitted: [AdmittedPushes] = []
            for record in admittedRecords where record.id > through {
                admitted.append(AdmittedPushes(pushes: record.pushes, enqueued: try Self.insertJobs(record.pushes, now: record.acceptedAt, in: db)))
                through = record.id
            }
            try db.execute(sql: "UPDATE intake_admitted SET last_id = ?", arguments: [through])
            return (admitted, through)
        }
        try await database.intake.pool.write { db in
            try db.execute(sql: "DELETE FROM intake WHERE id <= ?", arguments: [through])
        }
        return admitted
    }

    /// Records read for one admission at most: enough for `admit`'s push limit when
    /// calls are small, without reading a whole backlog.
    static let recordsReadPerAdmission = 16

    /// Accepted records not yet admitted, for `stats`.
    func intakeRecords() async throws -> Int {
        let watermark = try await database.pool.read(Self.watermark)
        return try await database.intake.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM intake WHERE id > ?", arguments: [watermark]) ?? 0
        }
    }

    /// The id of the last record admitted.
    private static func watermark(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT last_id FROM intake_admitted") ?? 0
    }
}

/// An intake row that does not decode (only a hand-edited or a newer release's file has
/// one): the admission fails and changes nothing, and the server logs this every time
/// it tries again, until the row is mended or removed.
struct IntakeRecordError: Error, CustomStringConvertible {
    var id: Int64
    var underlying: any Error
    var description: String { "intake record \(id) in \(SQLiteIntakeFile.fileName): \(underlying)" }
}
