import Delivery
import Logging
import PostgresNIO
import Storage

/// `ClusterFeed` on `LISTEN/NOTIFY`: one connection of its own (outside the pool)
/// listens on the state and work channels. When it is lost, the feed connects again
/// (after a second, then up to 10 s apart) and hands `.resynchronize` to the caller,
/// since notifications sent meanwhile are gone; it also does so once listening starts,
/// covering the changes made between the caller's loading and the first `LISTEN`.
public struct PostgresClusterFeed: ClusterFeed {
    public let instanceId: String
    private let database: PostgresDatabase

    public init(database: PostgresDatabase, instanceId: String) {
        self.database = database
        self.instanceId = instanceId
    }

    public func publish(_ change: StateChange) async throws {
        try await database.rows("SELECT pg_notify(\(ClusterMessage.stateChannel), \(ClusterMessage.state(change, from: instanceId)))")
    }

    public func listen(_ handle: @escaping @Sendable (ClusterEvent) async -> Void) async throws {
        let logger = database.logger
        var backoff = Duration.seconds(1)
        var connectionId = 0
        while !Task.isCancelled {
            connectionId += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try database.url.connectionConfiguration(), id: connectionId, logger: logger)
                do {
                    try await listen(on: connection, handle)
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                // Stopping (a connection or LISTEN cut short by the cancellation) is no failure.
                if Task.isCancelled { return }
                logger.warning("lost the connection that hears other instances; reconnecting in \(backoff): \(String(reflecting: error))")
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(10))
                continue
            }
            backoff = .seconds(1)
        }
    }

    private func listen(on connection: PostgresConnection, _ handle: @escaping @Sendable (ClusterEvent) async -> Void) async throws {
        let instanceId = instanceId
        try await connection.listen(on: ClusterMessage.stateChannel) { states in
            try await connection.listen(on: ClusterMessage.workChannel) { work in
                await handle(.resynchronize)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await notification in states {
                            guard let (sender, change) = ClusterMessage.state(notification.payload), sender != instanceId else { continue }
                            await handle(.changed(change))
                        }
                    }
                    group.addTask {
                        for try await notification in work {
                            guard let (sender, provider) = ClusterMessage.work(notification.payload), sender != instanceId else { continue }
                            await handle(.work(provider))
                        }
                    }
                    // Either ends only when the connection does (or the task is cancelled).
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
        if !Task.isCancelled { throw PostgresStorageError(description: "the listening connection closed") }
    }
}
