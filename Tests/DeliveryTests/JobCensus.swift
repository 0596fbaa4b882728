import Delivery
import Foundation
import GRDB
@testable import PostgresStorage

/// The queue's jobs counted one by one in its database, as `stats` counted them before
/// the queues kept counts: what the kept counts must always equal.
struct JobCensus: Equatable, CustomStringConvertible {
    /// Jobs per "provider/state" (ready, leased, dead).
    var byState: [String: Int] = [:]
    /// Leased jobs per instance.
    var leases: [String: Int] = [:]
    /// The oldest ready job's queued time, in ms since 1970.
    var oldestReady: Int64?

    var description: String { "\(byState.sorted { $0.key < $1.key }) leases \(leases) oldest \(oldestReady.map(String.init) ?? "none")" }

    /// What `stats` reports, in the same terms.
    static func reported(by queue: any DeliveryQueue, now: Date) async throws -> JobCensus {
        let stats = try await queue.stats(now: now)
        var reported = JobCensus()
        for (provider, counts) in stats.byProvider {
            for (state, count) in [("ready", counts.ready), ("leased", counts.leased), ("dead", counts.dead)] where count > 0 {
                reported.byState["\(provider.rawValue)/\(state)"] = count
            }
        }
        for instance in stats.instances where instance.leases > 0 { reported.leases[instance.id] = instance.leases }
        reported.oldestReady = stats.oldestReadyQueuedAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        return reported
    }

    static func count(sqlite path: String) throws -> JobCensus {
        let database = try DatabaseQueue(path: path)
        defer { try? database.close() }
        return try database.read { db in
            var census = JobCensus()
            for row in try Row.fetchAll(db, sql: "SELECT provider, state, COUNT(*) AS n FROM job GROUP BY provider, state") {
                census.byState["\(row["provider"] as String)/\(row["state"] as String)"] = row["n"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT leased_by, COUNT(*) AS n FROM job WHERE state = 'leased' GROUP BY leased_by") {
                census.leases[row["leased_by"]] = row["n"]
            }
            census.oldestReady = try Int64.fetchOne(db, sql: "SELECT MIN(queued_at) FROM job WHERE state = 'ready'")
            return census
        }
    }

    static func count(postgres database: PostgresDatabase) async throws -> JobCensus {
        var census = JobCensus()
        for row in try await database.rows("SELECT provider, state, COUNT(*) FROM job GROUP BY provider, state") {
            let (provider, state, count) = try row.decode((String, String, Int).self)
            census.byState["\(provider)/\(state)"] = count
        }
        for row in try await database.rows("SELECT leased_by, COUNT(*) FROM job WHERE state = 'leased' GROUP BY leased_by") {
            let (holder, count) = try row.decode((String, Int).self)
            census.leases[holder] = count
        }
        census.oldestReady = try await database.rows("SELECT MIN(queued_at) FROM job WHERE state = 'ready'").first?.decode(Int64?.self)
        return census
    }
}
