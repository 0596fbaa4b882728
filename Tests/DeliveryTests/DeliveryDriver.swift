import Delivery
import Foundation
import SQLiteStorage

/// A storage driver under test: makes a fresh, empty queue and device store.
struct DeliveryDriver: Sendable {
    struct Storage: Sendable {
        var queue: any DeliveryQueue
        var devices: any DeviceStore
    }

    var name: String
    /// Makes empty storage in `directory` with a limit of devices per client.
    var make: @Sendable (_ directory: URL, _ maxDevicesPerClient: Int) async throws -> Storage

    static let sqlite = DeliveryDriver(name: "SQLite") { directory, maxDevices in
        let database = try SQLiteDeliveryDatabase(directory: directory, durability: .normal)
        return Storage(queue: SQLiteDeliveryQueue(database: database), devices: SQLiteDeviceStore(database: database, maxDevicesPerClient: maxDevices))
    }
}
