import Delivery
import Foundation
import GRDB

/// The intake is a table beside the jobs (`intake`): one row per accept, its pushes as
/// text (`NewPush.storedText`). An accept is one insert instead of each job's rows, index
/// entries, badge and count updates, which took most of a hook call's time.
extension SQLiteDeliveryQueue: PushIntake {
    public func accept(_ pushes: [NewPush], now: Date) async throws {
        // Encoded here, off the database's one writer.
        let text = NewPush.storedText(pushes)
        let acceptedAt = StoredValue.milliseconds(now)
        try await database.durableWrite { db in
            try db.execute(sql: "INSERT INTO intake (accepted_at, pushes) VALUES (?, ?)", arguments: [acceptedAt, text])
        }
    }

    /// Written as bookkeeping (see `SQLiteDeliveryDatabase.Durability`): a power loss can
    /// undo the admission, and then its record is back in the intake, since the log keeps
    /// commits in order and the accept came first.
    public func admit(upTo pushLimit: Int) async throws -> [AdmittedPushes] {
        try await database.bookkeepingWrite { db in
            // One row a statement: the rows are deleted as they are admitted.
            let oldest = try db.cachedStatement(sql: "SELECT id, accepted_at, pushes FROM intake ORDER BY id LIMIT 1")
            var admitted: [AdmittedPushes] = []
            var count = 0
            while count < max(1, pushLimit), let row = try Row.fetchOne(oldest) {
                let id: Int64 = row[0]
                let pushes: [NewPush]
                do {
                    pushes = try NewPush.pushes(storedText: row[2])
                } catch {
                    throw IntakeRecordError(id: id, underlying: error)
                }
                let enqueued = try Self.insertJobs(pushes, now: StoredValue.date(row[1]), in: db)
                try db.execute(sql: "DELETE FROM intake WHERE id = ?", arguments: [id])
                admitted.append(AdmittedPushes(pushes: pushes, enqueued: enqueued))
                count += pushes.count
            }
            return admitted
        }
    }
}

/// An intake row that does not decode (only a hand-edited or a newer release's database
/// has one): the admission fails and changes nothing, and the server logs this every
/// time it tries again, until the row is mended or removed.
struct IntakeRecordError: Error, CustomStringConvertible {
    var id: Int64
    var underlying: any Error
    var description: String { "intake record \(id) in \(SQLiteDeliveryDatabase.fileName): \(underlying)" }
}
