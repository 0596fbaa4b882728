import Foundation
import Logging
import PostgresNIO

/// The shared database: a pool of connections to PostgreSQL, migrated at open. Every
/// driver of this target (state, devices, queue, cluster feed) works through one.
public final class PostgresDatabase: Sendable {
    /// Connections the pool may open at most, unless configured.
    public static let defaultMaxConnections = 16

    public let url: PostgresURL
    let client: PostgresClient
    let logger: Logger
    /// Runs the pool; cancelled by `close()`.
    private let running: Task<Void, Never>

    /// Connects with at most `maxConnections` pooled connections and applies the pending
    /// migrations (under an advisory lock, so instances starting together migrate once).
    public static func open(url: PostgresURL, maxConnections: Int = defaultMaxConnections, logger: Logger) async throws -> PostgresDatabase {
        let database = PostgresDatabase(url: url, maxConnections: maxConnections, logger: logger)
        do {
            _ = try await PostgresMigrations.apply(on: database)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Connects without migrating: `pushcompose migrate` applies them itself and reports.
    public static func openWithoutMigrating(url: PostgresURL, maxConnections: Int = 2, logger: Logger) -> PostgresDatabase {
        PostgresDatabase(url: url, maxConnections: maxConnections, logger: logger)
    }

    private init(url: PostgresURL, maxConnections: Int, logger: Logger) {
        self.url = url
        self.logger = logger
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = max(1, maxConnections)
        configuration.options.minimumConnections = 0
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    /// Closes every connection; the database is unusable afterwards.
    public func close() async {
        running.cancel()
        await running.value
    }

    /// Runs `body` in one transaction, committed when it returns.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Runs one statement on a pooled connection and collects its rows.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await client.query(query, logger: logger).collect()
    }
}

extension PostgresConnection {
    /// Runs one statement and collects its rows.
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger).collect()
    }
}

extension PostgresDatabase {
    /// Applies the pending migrations; returns "version name" of each one applied.
    public func migrate() async throws -> [String] {
        try await PostgresMigrations.apply(on: self).map { "\($0.version) \($0.name)" }
    }
}
