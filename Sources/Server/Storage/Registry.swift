import PushCompose
import Storage
import Synchronization

/// The registry the composer reads: kept in memory for the hook's hot path, written
/// through to the state store so it survives restarts. With instances sharing the
/// store, each applies the others' changes as they are announced (`refresh`).
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
    init(store: any StateStore) async throws {
        self.store = store
        state = Mutex(try await Self.load(store))
    }

    private static func load(_ store: any StateStore) async throws -> State {
        State(clients: try await store.loadClients(), conversations: try await store.loadConversations(), mutes: try await store.loadMutes())
    }

    /// Reads back what another instance changed. Under the writer lock: the value read
    /// is then never older than one this instance wrote meanwhile.
    func refresh(_ change: StateChange) async throws {
        try await writer.withLock {
            switch change {
            case .client(let id):
                let entry = try await store.client(id)
                state.withLock { $0.clients[id] = entry }
            case .conversation(let id):
                let entry = try await store.conversation(id)
                state.withLock { $0.conversations[id] = entry }
            case .mute(let conversation, let client):
                let muted = try await store.isMuted(client: client, conversation: conversation)
                state.withLock { Self.apply(muted, client: client, conversation: conversation, to: &$0) }
            case .devices, .templates, .experimentOverride:
                break
            }
        }
    }

    /// Loads everything again: after announcements may have been missed.
    func reloadAll() async throws {
        try await writer.withLock {
            let loaded = try await Self.load(store)
            state.withLock { $0 = loaded }
        }
    }

    private static func apply(_ muted: Bool, client: String, conversation: String, to state: inout State) {
        if muted {
            state.mutes[conversation, default: []].insert(client)
        } else {
            state.mutes[conversation]?.remove(client)
            if state.mutes[conversation]?.isEmpty == true { state.mutes[conversation] = nil }
        }
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
            state.withLock { Self.apply(muted, client: client, conversation: conversation, to: &$0) }
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
