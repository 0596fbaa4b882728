import PushCompose

/// Where the service keeps what it learns and is told: the directory of names and
/// locales, and who muted which conversation. Survives restarts.
///
/// Writes are async: a store waits for its database without holding a thread of the
/// pool that answers hooks. Loading happens once, at start before serving, and may block.
protocol StateStore: Sendable {
    func loadClients() throws -> [String: ClientEntry]
    func loadConversations() throws -> [String: ConversationEntry]
    /// Every mute: conversation id → client ids.
    func loadMutes() throws -> [String: Set<String>]

    func saveClient(_ id: String, _ entry: ClientEntry) async throws
    func saveConversation(_ id: String, _ entry: ConversationEntry) async throws
    func setMuted(_ muted: Bool, client: String, conversation: String) async throws
}
