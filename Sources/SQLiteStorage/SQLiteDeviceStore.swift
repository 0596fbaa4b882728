import Delivery
import Foundation
import GRDB

/// `DeviceStore` on the delivery database.
public struct SQLiteDeviceStore: DeviceStore {
    public static let defaultMaxDevicesPerClient = 10

    private let database: SQLiteDeliveryDatabase
    public let maxDevicesPerClient: Int

    public init(database: SQLiteDeliveryDatabase, maxDevicesPerClient: Int = Self.defaultMaxDevicesPerClient) {
        self.database = database
        self.maxDevicesPerClient = max(1, maxDevicesPerClient)
    }

    /// Parameters in one `IN (…)` list: well under SQLite's limit of bound variables.
    static let chunkSize = 500

    private static let columns = "provider, token, client_id, platform, locale, apns_environment, topic, created_at, last_seen_at"

    public func register(_ registration: DeviceRegistration, now: Date) async throws -> DeviceRegistrationResult {
        let registration = try registration.validated()
        let limit = maxDevicesPerClient
        return try await database.durableWrite { db in
            let address = registration.address
            let nowMilliseconds = StoredValue.milliseconds(now)
            let previous = try Row.fetchOne(
                db, sql: "SELECT client_id, created_at FROM device WHERE provider = ? AND token = ?",
                arguments: [address.provider.rawValue, address.token])
            let previousClient: String? = previous?["client_id"]
            let createdAt: Int64 = previousClient == registration.clientId ? previous!["created_at"] : nowMilliseconds
            try db.execute(
                sql: """
                    INSERT INTO device (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (provider, token) DO UPDATE SET
                        client_id = excluded.client_id, platform = excluded.platform, locale = excluded.locale,
                        apns_environment = excluded.apns_environment, topic = excluded.topic,
                        created_at = excluded.created_at, last_seen_at = excluded.last_seen_at
                    """,
                arguments: [
                    address.provider.rawValue, address.token, registration.clientId, address.platform, registration.locale,
                    address.apnsEnvironment?.rawValue, address.topic, createdAt, nowMilliseconds,
                ])
            // The one just registered sorts first, so it is never the one dropped.
            let devices = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.columns) FROM device WHERE client_id = ?
                    ORDER BY (provider = ? AND token = ?) DESC, last_seen_at DESC, created_at DESC, rowid DESC
                    """,
                arguments: [registration.clientId, address.provider.rawValue, address.token]
            ).map(Self.device)
            let dropped = Array(devices.dropFirst(limit))
            for device in dropped {
                try db.execute(sql: "DELETE FROM device WHERE provider = ? AND token = ?", arguments: [device.provider.rawValue, device.token])
            }
            return DeviceRegistrationResult(
                device: devices[0], movedFrom: previousClient.flatMap { $0 == registration.clientId ? nil : $0 }, dropped: dropped)
        }
    }

    public func devices(of clientId: String) async throws -> [Device] {
        try await devices(of: [clientId])[clientId] ?? []
    }

    public func devices(of clientIds: [String]) async throws -> [String: [Device]] {
        let unique = Array(Set(clientIds))
        guard !unique.isEmpty else { return [:] }
        return try await database.pool.read { db in
            var result: [String: [Device]] = [:]
            for start in stride(from: 0, to: unique.count, by: Self.chunkSize) {
                let chunk = Array(unique[start..<min(start + Self.chunkSize, unique.count)])
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Self.columns) FROM device WHERE client_id IN (\(Self.placeholders(chunk.count)))
                        ORDER BY last_seen_at DESC, created_at DESC, rowid DESC
                        """,
                    arguments: StatementArguments(chunk))
                for row in rows {
                    let device = try Self.device(row)
                    result[device.clientId, default: []].append(device)
                }
            }
            return result
        }
    }

    public func remove(provider: ProviderKind, token: String, of clientId: String?) async throws -> Device? {
        try await database.durableWrite { db in
            try Row.fetchOne(
                db,
                sql: "DELETE FROM device WHERE provider = ? AND token = ? AND (? IS NULL OR client_id = ?) RETURNING \(Self.columns)",
                arguments: [provider.rawValue, token, clientId, clientId]
            ).map(Self.device)
        }
    }

    public func clientsWithDevices() async throws -> Set<String> {
        try await database.pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT client_id FROM device"))
        }
    }

    public func newestLocales(of clientIds: [String]) async throws -> [String: String] {
        let unique = Array(Set(clientIds))
        guard !unique.isEmpty else { return [:] }
        return try await database.pool.read { db in
            var result: [String: String] = [:]
            for start in stride(from: 0, to: unique.count, by: Self.chunkSize) {
                let chunk = Array(unique[start..<min(start + Self.chunkSize, unique.count)])
                // Oldest first: the newest device's locale is written last and wins.
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT client_id, locale FROM device
                        WHERE client_id IN (\(Self.placeholders(chunk.count))) AND locale IS NOT NULL
                        ORDER BY last_seen_at, created_at, rowid
                        """,
                    arguments: StatementArguments(chunk))
                for row in rows { result[row["client_id"]] = row["locale"] }
            }
            return result
        }
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    static func device(_ row: Row) throws -> Device {
        Device(
            clientId: row["client_id"],
            address: try StoredValue.address(provider: row["provider"], token: row["token"], platform: row["platform"], apnsEnvironment: row["apns_environment"], topic: row["topic"]),
            locale: row["locale"],
            createdAt: StoredValue.date(row["created_at"]),
            lastSeenAt: StoredValue.date(row["last_seen_at"]))
    }
}
