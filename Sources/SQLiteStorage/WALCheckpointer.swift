import GRDB

/// Copies a WAL database's log back into its file from a connection of its own, every
/// `interval`, so that the writer's commits seldom do it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold (1,000
/// frames by default, about once a second under delivery load), and its copy and two
/// fsyncs (30–300 ms on a busy disk) held up that commit and every hook call waiting for
/// the writer. A passive checkpoint on another connection never blocks the writer.
///
/// Under steady writes it never catches up with the log's end, though, and only a
/// checkpoint that does lets the next commit start the log over. So the writer still
/// checkpoints, past `writerThresholdFrames`: it then copies only what came since this
/// checkpointer's last turn, and the log stays under about 34 MB (8,192 frames).
final class WALCheckpointer: Sendable {
    static let interval: Duration = .milliseconds(200)
    /// The writer's `wal_autocheckpoint`.
    static let writerThresholdFrames = 8192

    private let connection: DatabaseQueue
    private let loop: Task<Void, Never>

    /// Opens a connection to the database at `path` (already in WAL mode) for the
    /// checkpoints; they run on GRDB's queue for it, never on Swift's pool.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        self.connection = connection
        loop = Task.detached {
            // Ends at cancellation (deinit), not with one more checkpoint on the closed connection.
            while (try? await Task.sleep(for: Self.interval)) != nil {
                // A checkpoint that fails (the disk) is tried again at the next turn; the
                // log grows meanwhile, and nothing in it is lost.
                _ = try? await connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
            }
        }
    }

    /// Closes the connection before returning (after the checkpoint under way, if any):
    /// once the database is let go, nothing holds its file.
    deinit {
        loop.cancel()
        try? connection.close()
    }
}
