import Logging
import PostgresNIO
import PushCompose
import Storage

/// `StateStore` on the shared database. Each write announces its change to the other
/// instances in the same transaction (`NOTIFY` is delivered at commit).
public struct PostgresStateStore: StateStore {
    private let database: PostgresDatabase
    private let instanceId: String

    public init(database: PostgresDatabase, instanceId: String) {
        self.database = database
        self.instanceId = instanceId
    }

    public func loadClients() async throws -> [String: ClientEntry] {
        var clients: [String: ClientEntry] = [:]
        for row in try await database.rows("SELECT id, name, locale FROM client") {
            let (id, name, locale) = try row.decode((String, String?, String?).self)
            clients[id] = ClientEntry(name: name, locale: locale)
        }
        return clients
    }

    public func loadConversations() async throws -> [String: ConversationEntry] {
        var conversations: [String: ConversationEntry] = [:]
        for row in try await database.rows("SELECT id, name, system FROM conversation") {
            let (id, name, system) = try row.decode((String, String?, Bool).self)
            conversations[id] = ConversationEntry(name: name, system: system)
        }
        return conversations
    }

    public func loadMutes() async throws -> [String: Set<String>] {
        var mutes: [String: Set<String>] = [:]
        for row in try await database.rows("SELECT conversation, client FROM mute") {
            let (conversation, client) = try row.decode((String, String).self)
            mutes[conversation, default: []].insert(client)
        }
        return mutes
    }

    public func client(_ id: String) async throws -> ClientEntry? {
        try await database.rows("SELECT name, locale FROM client WHERE id = \(id)").first.map { row in
            let (name, locale) = try row.decode((String?, String?).self)
            return ClientEntry(name: name, locale: locale)
        }
    }

    public func conversation(_ id: String) async throws -> ConversationEntry? {
        try await database.rows("SELECT name, system FROM conversation WHERE id = \(id)").first.map { row in
            let (name, system) = try row.decode((String?, Bool).self)
            return ConversationEntry(name: name, system: system)
        }
    }

    public func isMuted(client: String, conversation: String) async throws -> Bool {
        try await !database.rows("SELECT 1 FROM mute WHERE conversation = \(conversation) AND client = \(client)").isEmpty
    }

    public func saveClient(_ id: String, _ entry: ClientEntry) async throws {
        try await write(.client(id)) { connection, logger in
            try await connection.rows(
                """
                INSERT INTO client (id, name, locale) VALUES (\(id), \(entry.name), \(entry.locale))
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, locale = excluded.locale
                """, logger: logger)
        }
    }

    public func saveConversation(_ id: String, _ entry: ConversationEntry) async throws {
        try await write(.conversation(id)) { connection, logger in
            try await connection.rows(
                """
                INSERT INTO conversation (id, name, system) VALUES (\(id), \(entry.name), \(entry.system))
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, system = excluded.system
                """, logger: logger)
        }
    }

    public func setMuted(_ muted: Bool, client: String, conversation: String) async throws {
        try await write(.mute(conversation: conversation, client: client)) { connection, logger in
            if muted {
                try await connection.rows(
                    "INSERT INTO mute (conversation, client) VALUES (\(conversation), \(client)) ON CONFLICT DO NOTHING", logger: logger)
            } else {
                try await connection.rows("DELETE FROM mute WHERE conversation = \(conversation) AND client = \(client)", logger: logger)
            }
        }
    }

    private func write(_ change: StateChange, _ body: (PostgresConnection, Logger) async throws -> Void) async throws {
        let logger = database.logger
        let message = ClusterMessage.state(change, from: instanceId)
        try await database.transaction { connection in
            try await body(connection, logger)
            try await connection.rows("SELECT pg_notify(\(ClusterMessage.stateChannel), \(message))", logger: logger)
        }
    }
}
