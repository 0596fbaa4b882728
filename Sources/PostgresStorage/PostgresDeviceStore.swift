import Delivery
import Foundation
import Logging
import PostgresNIO
import Storage

/// `DeviceStore` on the shared database. Every change announces the clients whose
/// devices it changed, in its transaction, so each instance's index of clients with
/// devices stays exact.
public struct PostgresDeviceStore: DeviceStore {
    private let database: PostgresDatabase
    private let instanceId: String
    public let maxDevicesPerClient: Int

    public init(database: PostgresDatabase, instanceId: String, maxDevicesPerClient: Int = 10) {
        self.database = database
        self.instanceId = instanceId
        self.maxDevicesPerClient = max(1, maxDevicesPerClient)
    }

    private var logger: Logger { database.logger }

    /// The first key of the advisory locks on client ids (the migrations' lock is a
    /// single key, another space).
    static let clientLockSpace: Int32 = 0x5043_4456  // "PCDV"

    private static let columns = "provider, token, client_id, platform, locale, apns_environment, topic, created_at, last_seen_at"

    public func register(_ registration: DeviceRegistration, now: Date) async throws -> DeviceRegistrationResult {
        let registration = try registration.validated()
        let address = registration.address
        let now = StoredValue.milliseconds(now)
        let limit = maxDevicesPerClient
        return try await database.transaction { connection in
            // Registrations for one client run one at a time (each sees the other's device
            // when it applies the limit); locking the client's rows instead deadlocked two
            // that each held their own new row. The row lock serializes those of one token.
            try await connection.rows(
                "SELECT pg_advisory_xact_lock(\(Self.clientLockSpace), hashtext(\(registration.clientId)))", logger: logger)
            let previous = try await connection.rows(
                "SELECT client_id, created_at FROM device WHERE provider = \(address.provider.rawValue) AND token = \(address.token) FOR UPDATE",
                logger: logger
            ).first.map { try $0.decode((String, Int64).self) }
            let createdAt = previous?.0 == registration.clientId ? previous!.1 : now
            try await connection.rows(
                """
                INSERT INTO device (provider, token, client_id, platform, locale, apns_environment, topic, created_at, last_seen_at)
                VALUES (\(address.provider.rawValue), \(address.token), \(registration.clientId), \(address.platform), \(registration.locale),
                    \(address.apnsEnvironment?.rawValue), \(address.topic), \(createdAt), \(now))
                ON CONFLICT (provider, token) DO UPDATE SET
                    client_id = excluded.client_id, platform = excluded.platform, locale = excluded.locale,
                    apns_environment = excluded.apns_environment, topic = excluded.topic,
                    created_at = excluded.created_at, last_seen_at = excluded.last_seen_at
                """, logger: logger)
            // The one just registered sorts first, so it is never the one dropped.
            let devices = try await connection.rows(
                """
                SELECT \(unescaped: Self.columns) FROM device WHERE client_id = \(registration.clientId)
                ORDER BY (provider = \(address.provider.rawValue) AND token = \(address.token)) DESC, last_seen_at DESC, created_at DESC, serial DESC
                """, logger: logger
            ).map(Self.device)
            let dropped = Array(devices.dropFirst(limit))
            for device in dropped {
                try await connection.rows(
                    "DELETE FROM device WHERE provider = \(device.provider.rawValue) AND token = \(device.token)", logger: logger)
            }
            let movedFrom = previous.flatMap { $0.0 == registration.clientId ? nil : $0.0 }
            try await announce([registration.clientId] + (movedFrom.map { [$0] } ?? []), on: connection)
            return DeviceRegistrationResult(device: devices[0], movedFrom: movedFrom, dropped: dropped)
        }
    }

    public func devices(of clientId: String) async throws -> [Device] {
        try await devices(of: [clientId])[clientId] ?? []
    }

    public func devices(of clientIds: [String]) async throws -> [String: [Device]] {
        let unique = Array(Set(clientIds))
        guard !unique.isEmpty else { return [:] }
        var result: [String: [Device]] = [:]
        for row in try await database.rows(
            """
            SELECT \(unescaped: Self.columns) FROM device WHERE client_id = ANY(\(unique)::text[])
            ORDER BY last_seen_at DESC, created_at DESC, serial DESC
            """)
        {
            let device = try Self.device(row)
            result[device.clientId, default: []].append(device)
        }
        return result
    }

    public func remove(provider: ProviderKind, token: String, of clientId: String?) async throws -> Device? {
        try await database.transaction { connection in
            let removed = try await connection.rows(
                """
                DELETE FROM device WHERE provider = \(provider.rawValue) AND token = \(token)
                    AND (\(clientId)::text IS NULL OR client_id = \(clientId))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger
            ).first.map(Self.device)
            if let removed { try await announce([removed.clientId], on: connection) }
            return removed
        }
    }

    public func newestLocales(of clientIds: [String]) async throws -> [String: String] {
        let unique = Array(Set(clientIds))
        guard !unique.isEmpty else { return [:] }
        var result: [String: String] = [:]
        // Oldest first: the newest device's locale is written last and wins.
        for row in try await database.rows(
            """
            SELECT client_id, locale FROM device WHERE client_id = ANY(\(unique)::text[]) AND locale IS NOT NULL
            ORDER BY last_seen_at, created_at, serial
            """)
        {
            let (client, locale) = try row.decode((String, String).self)
            result[client] = locale
        }
        return result
    }

    public func clientsWithDevices() async throws -> Set<String> {
        var clients = Set<String>()
        for row in try await database.rows("SELECT DISTINCT client_id FROM device") {
            clients.insert(try row.decode(String.self))
        }
        return clients
    }

    private func announce(_ clients: [String], on connection: PostgresConnection) async throws {
        for client in Set(clients) {
            let message = ClusterMessage.state(.devices(of: client), from: instanceId)
            try await connection.rows("SELECT pg_notify(\(ClusterMessage.stateChannel), \(message))", logger: logger)
        }
    }

    static func device(_ row: PostgresRow) throws -> Device {
        let (provider, token, clientId, platform, locale, environment, topic, createdAt, lastSeenAt) = try row.decode(
            (String, String, String, String?, String?, String?, String?, Int64, Int64).self)
        return Device(
            clientId: clientId,
            address: try StoredValue.address(provider: provider, token: token, platform: platform, apnsEnvironment: environment, topic: topic),
            locale: locale, createdAt: StoredValue.date(createdAt), lastSeenAt: StoredValue.date(lastSeenAt))
    }
}
