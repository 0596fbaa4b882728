import Foundation
import Logging
import PostgresNIO

/// The shared database: pooled connections to PostgreSQL, migrated at open. Every
/// driver of this target (state, devices, queue, cluster feed) works through one.
///
/// Two pools, as SQLite's writes are split (`SQLiteDeliveryDatabase.Durability`): what
/// stores a push, a device or shared state commits as the server is configured (with
/// `synchronous_commit` on, after the WAL is on disk); the bookkeeping of attempts
/// (claims, finishes, retries, heartbeats) commits with `synchronous_commit` off, since
/// losing it to a crash of the database only sends a push again, and waiting for the
/// disk there would cap deliveries at its flushes per second.
public final class PostgresDatabase: Sendable {
    /// Connections the pools may open at most together, unless configured.
    public static let defaultMaxConnections = 16

    public let url: PostgresURL
    let client: PostgresClient
    let bookkeeping: PostgresClient
    let logger: Logger
    /// Runs the pools; cancelled by `close()`.
    private let running: Task<Void, Never>

    /// Connects with at most `maxConnections` pooled connections and applies the pending
    /// migrations (under an advisory lock, so instances starting together migrate once).
    public static func open(url: PostgresURL, maxConnections: Int = defaultMaxConnections, logger: Logger) async throws -> PostgresDatabase {
        let database = try await openWithoutMigrating(url: url, maxConnections: maxConnections, logger: logger)
        do {
            _ = try await PostgresMigrations.apply(on: database)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Connects without migrating: `pushcompose migrate` applies them itself and reports.
    /// Connects once first: the pool retries a refused connection without end, and a
    /// wrong URL or a database that is down must stop the start with the reason.
    public static func openWithoutMigrating(url: PostgresURL, maxConnections: Int = 2, logger: Logger) async throws -> PostgresDatabase {
        do {
            let connection = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw PostgresStorageError(description: "cannot connect to PostgreSQL at \(url.host):\(url.port) as \(url.username): \(String(reflecting: error))")
        }
        return await PostgresDatabase(url: url, maxConnections: maxConnections, logger: logger)
    }

    /// Returns once the pool's task has started: a lease before `run()` is logged as a
    /// mistake by postgres-nio.
    private init(url: PostgresURL, maxConnections: Int, logger: Logger) async {
        self.url = url
        self.logger = logger
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = max(1, maxConnections - maxConnections / 2)
        configuration.options.minimumConnections = 0
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        configuration.options.maximumConnections = max(1, maxConnections / 2)
        configuration.options.additionalStartupParameters = [("synchronous_commit", "off")]
        let bookkeeping = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.bookkeeping = bookkeeping
        let (started, start) = AsyncStream.makeStream(of: Void.self)
        running = Task {
            await withDiscardingTaskGroup { group in
                group.addTask { await client.run() }
                group.addTask { await bookkeeping.run() }
                start.finish()
            }
        }
        for await _ in started {}
    }

    /// Closes every connection; the database is unusable afterwards.
    public func close() async {
        running.cancel()
        await running.value
    }

    /// How a write commits (see the type's comment).
    enum Commit {
        /// As the server is configured: a push, a device, shared state.
        case durable
        /// Without waiting for the disk: the bookkeeping of attempts.
        case bookkeeping
    }

    private func pool(_ commit: Commit) -> PostgresClient {
        commit == .durable ? client : bookkeeping
    }

    /// Runs `body` in one transaction, committed when it returns.
    func transaction<T: Sendable>(_ commit: Commit = .durable, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await pool(commit).withConnection { connection in
            try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Runs one statement on a pooled connection and collects its rows.
    @discardableResult
    func rows(_ query: PostgresQuery, commit: Commit = .durable) async throws -> [PostgresRow] {
        try await pool(commit).query(query, logger: logger).collect()
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

extension PostgresDatabase {
    /// The migrations the database records as applied, in order.
    public func appliedMigrations() async throws -> [(version: Int, name: String)] {
        try await rows("SELECT version, name FROM pushcompose_migration ORDER BY version").map { try $0.decode((Int, String).self) }
    }
}
