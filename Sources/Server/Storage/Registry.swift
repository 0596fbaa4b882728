import PushCompose
import Synchronization

/// The registry the composer reads: kept in memory for the hook's hot path, written
/// through to the state store so it survives restarts.
final class Registry: RegistryLookup {
    private struct State {
        var clients: [String: ClientEntry]
        var conversations: [String: ConversationEntry]
        var mutes: [String: Set<String>]
    }

    private let store: any StateStore
    /// Read synchronously by the composer, per receiver: held only to copy a value in or out.
    private let state: Mutex<State>
    /// Held across a write to the store and the matching update in memory, so that
    /// concurrent writes land in both in the same order. Waiting for it suspends; readers
    /// never take it.
    private let writer = SerialAsyncLock()

    /// Loads everything the store holds; at start, before serving.
    init(store: any StateStore) throws {
        self.store = store
        state = Mutex(State(clients: try store.loadClients(), conversations: try store.loadConversations(), mutes: try store.loadMutes()))
    }

    func client(_ id: String) -> ClientEntry? { state.withLock { $0.clients[id] } }
    func conversation(_ id: String) -> ConversationEntry? { state.withLock { $0.conversations[id] } }
    func mutedClients(conversation: String) -> Set<String> {
        state.withLock { $0.mutes[conversation] ?? [] }
    }
    func hasMuted(client: String, conversation: String) -> Bool {
        mutedClients(conversation: conversation).contains(client)
    }
    func mutedBy(conversation: String) -> [String] {
        state.withLock { ($0.mutes[conversation] ?? []).sorted() }
    }

    func setClient(_ id: String, _ entry: ClientEntry) async throws {
        try await writer.withLock {
            try await store.saveClient(id, entry)
            state.withLock { $0.clients[id] = entry }
        }
    }

    func setConversation(_ id: String, _ entry: ConversationEntry) async throws {
        try await writer.withLock { try await saveConversation(id, entry) }
    }

    private func saveConversation(_ id: String, _ entry: ConversationEntry) async throws {
        try await store.saveConversation(id, entry)
        state.withLock { $0.conversations[id] = entry }
    }

    func setMuted(_ muted: Bool, client: String, conversation: String) async throws {
        try await writer.withLock {
            try await store.setMuted(muted, client: client, conversation: conversation)
            state.withLock { state in
                if muted {
                    state.mutes[conversation, default: []].insert(client)
                } else {
                    state.mutes[conversation]?.remove(client)
                }
            }
        }
    }

    /// Learns a conversation's name from `_conversationUpdate`, keeping its other fields.
    /// An empty name clears it, so templates fall back to the id.
    func learnConversationName(_ name: String, conversation: String) async throws {
        try await writer.withLock {
            var entry = self.conversation(conversation) ?? ConversationEntry()
            entry.name = name.isEmpty ? nil : name
            try await saveConversation(conversation, entry)
        }
    }
}
