import Delivery
import Foundation
import Logging
import PostgresStorage
import SQLiteStorage
import Storage

/// The stores the service runs on, chosen by `database`: SQLite files in the data
/// directory (embedded, one instance), or a PostgreSQL database that instances share,
/// with the feed that tells each of the others' changes and work.
struct ServiceStorage: Sendable {
    let state: any StateStore
    let devices: any DeviceStore
    let queue: any DeliveryQueue
    /// Where hook calls' pushes land before they are jobs; nil when calls enqueue jobs
    /// directly (PostgreSQL: instances share the queue, and another instance may admit).
    let intake: (any PushIntake)?
    let experiments: any ExperimentStore
    /// Nil on SQLite: one instance has nobody to hear from.
    let feed: (any ClusterFeed)?
    let instanceId: String
    /// Where the data is, for logs: the data directory, or the URL without its password.
    let location: String
    private let closeDatabase: @Sendable () async -> Void

    static func open(_ configuration: ServerConfiguration, logger: Logger) async throws -> ServiceStorage {
        let instanceId = configuration.resolvedInstanceId
        let maxDevices = configuration.delivery.maxDevicesPerClient
        guard let url = configuration.database else {
            let data = URL(fileURLWithPath: configuration.data)
            let database = try SQLiteDeliveryDatabase(directory: data, durability: configuration.delivery.queueDurability)
            let queue = SQLiteDeliveryQueue(database: database, instanceId: instanceId)
            return ServiceStorage(
                state: try SQLiteStateStore(directory: data),
                devices: SQLiteDeviceStore(database: database, maxDevicesPerClient: maxDevices),
                queue: queue, intake: queue,
                experiments: try SQLiteExperimentStore(directory: data),
                feed: nil, instanceId: instanceId, location: "SQLite in \(data.path)", closeDatabase: {})
        }
        let database = try await PostgresDatabase.open(
            url: try PostgresURL(url), maxConnections: configuration.databaseMaxConnections, logger: logger)
        return ServiceStorage(
            state: PostgresStateStore(database: database, instanceId: instanceId),
            devices: PostgresDeviceStore(database: database, instanceId: instanceId, maxDevicesPerClient: maxDevices),
            queue: PostgresDeliveryQueue(database: database, instanceId: instanceId), intake: nil,
            experiments: PostgresExperimentStore(database: database, instanceId: instanceId),
            feed: PostgresClusterFeed(database: database, instanceId: instanceId), instanceId: instanceId,
            location: "PostgreSQL at \(PostgresURL.redacted(url))", closeDatabase: { await database.close() })
    }

    /// Closes the database's connections; after the services that use them stopped.
    func close() async {
        await closeDatabase()
    }
}
