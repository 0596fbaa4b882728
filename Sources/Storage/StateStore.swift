import PushCompose

/// Where the service keeps what it learns and is told: the directory of names and
/// locales, and who muted which conversation. Survives restarts; with PostgreSQL,
/// shared by every instance. Drivers: SQLite (embedded); PostgreSQL.
///
/// Everything is loaded into memory at start; a change another instance made is read
/// back one key at a time (`client(_:)`, `conversation(_:)`, `isMuted`) when it is
/// announced (`ClusterEvent`). Writes are async: a store waits for its database without
/// holding a thread of the pool that answers hooks.
public protocol StateStore: Sendable {
    func loadClients() async throws -> [String: ClientEntry]
    func loadConversations() async throws -> [String: ConversationEntry]
    /// Every mute: conversation id → client ids.
    func loadMutes() async throws -> [String: Set<String>]

    func client(_ id: String) async throws -> ClientEntry?
    func conversation(_ id: String) async throws -> ConversationEntry?
    func isMuted(client: String, conversation: String) async throws -> Bool

    func saveClient(_ id: String, _ entry: ClientEntry) async throws
    func saveConversation(_ id: String, _ entry: ConversationEntry) async throws
    func setMuted(_ muted: Bool, client: String, conversation: String) async throws
}
