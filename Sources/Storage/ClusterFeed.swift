/// How instances sharing one database hear of each other's changes and work. The
/// PostgreSQL driver carries it on `LISTEN/NOTIFY`; stores announce their own writes in
/// the writes' transactions, so an announcement is heard only once its change is
/// committed. A single instance (SQLite) has no feed.
public protocol ClusterFeed: Sendable {
    /// This instance's id: events it caused itself are not delivered back to it.
    var instanceId: String { get }
    /// Announces a change made outside any store (a template reload) to the others.
    func publish(_ change: StateChange) async throws
    /// Calls `handle` with every event from the other instances, in order, until the
    /// task is cancelled; reconnects after a lost connection (then `.resynchronize`).
    func listen(_ handle: @escaping @Sendable (ClusterEvent) async -> Void) async throws
}
