import Foundation
import GRDB
import PushCompose
import Storage

/// The state store in one SQLite file (WAL), embedded and with nothing to set up.
public final class SQLiteStateStore: StateStore {
    private let database: DatabasePool

    /// Opens (creating if needed) `state.sqlite` in `directory`.
    public init(directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        // A write waits up to 5 s for another connection's lock, on GRDB's writer queue:
        // callers await it (the async `write`), no thread of theirs is held.
        configuration.busyMode = .timeout(5)
        database = try DatabasePool(path: Self.file(in: directory).path, configuration: configuration)
        try Self.migrator.migrate(database)
    }

    public static func file(in directory: URL) -> URL {
        directory.appendingPathComponent("state.sqlite")
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 directory and mutes") { db in
            try db.create(table: "client") { t in
                t.primaryKey("id", .text)
                t.column("name", .text)
                t.column("locale", .text)
            }
            try db.create(table: "conversation") { t in
                t.primaryKey("id", .text)
                t.column("name", .text)
                t.column("system", .boolean).notNull().defaults(to: false)
            }
            try db.create(table: "mute") { t in
                t.column("conversation", .text).notNull()
                t.column("client", .text).notNull()
                t.primaryKey(["conversation", "client"])
            }
        }
        return migrator
    }

    public func loadClients() async throws -> [String: ClientEntry] {
        try await database.read { db in
            var clients: [String: ClientEntry] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name, locale FROM client") {
                clients[row["id"]] = ClientEntry(name: row["name"], locale: row["locale"])
            }
            return clients
        }
    }

    public func loadConversations() async throws -> [String: ConversationEntry] {
        try await database.read { db in
            var conversations: [String: ConversationEntry] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name, system FROM conversation") {
                conversations[row["id"]] = ConversationEntry(name: row["name"], system: row["system"])
            }
            return conversations
        }
    }

    public func loadMutes() async throws -> [String: Set<String>] {
        try await database.read { db in
            var mutes: [String: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT conversation, client FROM mute") {
                mutes[row["conversation"], default: []].insert(row["client"])
            }
            return mutes
        }
    }

    public func client(_ id: String) async throws -> ClientEntry? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT name, locale FROM client WHERE id = ?", arguments: [id]).map {
                ClientEntry(name: $0["name"], locale: $0["locale"])
            }
        }
    }

    public func conversation(_ id: String) async throws -> ConversationEntry? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT name, system FROM conversation WHERE id = ?", arguments: [id]).map {
                ConversationEntry(name: $0["name"], system: $0["system"])
            }
        }
    }

    public func isMuted(client: String, conversation: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM mute WHERE conversation = ? AND client = ?", arguments: [conversation, client]) != nil
        }
    }

    public func saveClient(_ id: String, _ entry: ClientEntry) async throws {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO client (id, name, locale) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, locale = excluded.locale",
                arguments: [id, entry.name, entry.locale])
        }
    }

    public func saveConversation(_ id: String, _ entry: ConversationEntry) async throws {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO conversation (id, name, system) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, system = excluded.system",
                arguments: [id, entry.name, entry.system])
        }
    }

    public func setMuted(_ muted: Bool, client: String, conversation: String) async throws {
        try await database.write { db in
            if muted {
                try db.execute(sql: "INSERT OR IGNORE INTO mute (conversation, client) VALUES (?, ?)", arguments: [conversation, client])
            } else {
                try db.execute(sql: "DELETE FROM mute WHERE conversation = ? AND client = ?", arguments: [conversation, client])
            }
        }
    }
}
