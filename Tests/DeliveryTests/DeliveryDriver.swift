import Delivery
import Foundation
import GRDB
import Logging
import PostgresCluster
@testable import PostgresStorage
import SQLiteStorage
import Storage

/// A storage driver under test: makes fresh, empty storage.
struct DeliveryDriver: Sendable {
    struct Storage: Sendable {
        /// The queue as instance "a" works it.
        var queue: any DeliveryQueue
        /// The same queue as a second instance, "b", works it.
        var otherInstance: any DeliveryQueue
        var devices: any DeviceStore
        var state: any StateStore
        /// Experiments as instance "a" records them.
        var experiments: any ExperimentStore
        /// The same experiments through a second store on the same database.
        var otherExperiments: any ExperimentStore
        /// The jobs counted one by one in the database, past the queue's own counts.
        var countJobs: @Sendable () async throws -> JobCensus
        var close: @Sendable () async -> Void = {}
    }

    var name: String
    /// Makes empty storage in `directory` with a limit of devices per client.
    var make: @Sendable (_ directory: URL, _ maxDevicesPerClient: Int) async throws -> Storage

    static let sqlite = DeliveryDriver(name: "SQLite") { directory, maxDevices in
        let database = try SQLiteDeliveryDatabase(directory: directory, durability: .normal)
        return Storage(
            queue: SQLiteDeliveryQueue(database: database, instanceId: "a"), otherInstance: SQLiteDeliveryQueue(database: database, instanceId: "b"),
            devices: SQLiteDeviceStore(database: database, maxDevicesPerClient: maxDevices), state: try SQLiteStateStore(directory: directory),
            experiments: try SQLiteExperimentStore(directory: directory), otherExperiments: try SQLiteExperimentStore(directory: directory),
            countJobs: { try JobCensus.count(sqlite: directory.appendingPathComponent(SQLiteDeliveryDatabase.fileName).path) })
    }

    /// A fresh database in the test process's throw-away cluster.
    static let postgres = DeliveryDriver(name: "PostgreSQL") { _, maxDevices in
        let database = try await PostgresTestDatabase.make()
        return Storage(
            queue: PostgresDeliveryQueue(database: database, instanceId: "a"), otherInstance: PostgresDeliveryQueue(database: database, instanceId: "b"),
            devices: PostgresDeviceStore(database: database, instanceId: "a", maxDevicesPerClient: maxDevices),
            state: PostgresStateStore(database: database, instanceId: "a"),
            experiments: PostgresExperimentStore(database: database, instanceId: "a"),
            otherExperiments: PostgresExperimentStore(database: database, instanceId: "b"),
            countJobs: { try await JobCensus.count(postgres: database) }, close: { await database.close() })
    }
}

/// Databases for tests, each new and migrated, in one cluster per test process.
enum PostgresTestDatabase {
    static func url() throws -> PostgresURL {
        try PostgresURL(PostgresCluster.shared().createDatabase())
    }

    static func make(maxConnections: Int = 8) async throws -> PostgresDatabase {
        try await PostgresDatabase.open(url: try url(), maxConnections: maxConnections, logger: Logger(label: "test.postgres"))
    }
}
