import AuditLog
import Foundation
import PostgresStorage
import PushCompose
import Yams

/// Everything `serve` needs, from (lowest to highest precedence) embedded defaults, an
/// optional YAML file, environment variables, and command-line flags.
struct ServerConfiguration: Sendable, Equatable {
    var host: String?
    var port = 3000
    var templates = "templates"
    var data = "data"
    var appId = ""
    var appKey = ""
    var masterKey = ""
    var hookKey = ""
    var adminToken = ""
    /// The token of `POST /v1/events` (the app's backend reporting opens); empty: off.
    var eventsToken = ""
    /// Whether experiments' pushes carry `_pc` where their experiment asks for it.
    var experimentPayloadMember = true
    /// A listener of its own for the admin API and `/metrics`; without a port they share the hook listener.
    var adminHost: String?
    var adminPort: Int?
    /// How far an `X-LC-Sign` timestamp may be from now, either way; 0 turns the check off.
    var signatureWindowSeconds = 900
    var idleTimeoutSeconds = 60
    var requestTimeoutSeconds = 30
    var maxConnections = 10_000
    var defaultLocale = "en"
    var maxBodyBytes = 1 << 20
    var maxPeers = 10_000
    var maxPayloadBytes = 3800
    var failOpen = true
    var auditText = AuditTextMode.full
    var auditMaxFileBytes = 64 << 20
    /// How long written audit records may wait to be put on the disk; 0: before the answer.
    var auditFsyncMillis = 1000
    /// The HMAC key of `auditText: hash` and of the audit log's hash chain; empty: the one
    /// kept in the data directory.
    var auditKey = ""
    /// Whether audit records are sealed into a hash chain (off only to measure its cost).
    var auditChain = true
    /// Records waiting to be written at most; more are dropped (counted, and a `gap` record).
    var auditQueueRecords = 100_000
    var auditRetention = AuditRetention()
    var delivery = DeliveryConfiguration()
    /// A PostgreSQL URL shared by instances; nil: SQLite files in the data directory.
    var database: String?
    var databaseMaxConnections = 16
    /// Names this instance in leases, `queue stats` and metrics; nil: host name and port.
    var instanceId: String?

    struct Error: Swift.Error, CustomStringConvertible {
        var description: String
    }

    /// The file's keys; each has an environment variable (README, "Configuration").
    static let fileKeys: [String: String] = [
        "host": "PUSHCOMPOSE_HOST", "port": "LEANCLOUD_APP_PORT", "templates": "PUSHCOMPOSE_TEMPLATES",
        "data": "PUSHCOMPOSE_DATA", "appId": "LEANCLOUD_APP_ID", "appKey": "LEANCLOUD_APP_KEY",
        "masterKey": "LEANCLOUD_APP_MASTER_KEY", "hookKey": "LEANCLOUD_APP_HOOK_KEY",
        "adminToken": "PUSHCOMPOSE_ADMIN_TOKEN", "defaultLocale": "PUSHCOMPOSE_DEFAULT_LOCALE",
        "maxBodyBytes": "PUSHCOMPOSE_MAX_BODY_BYTES", "maxPeers": "PUSHCOMPOSE_MAX_PEERS",
        "maxPayloadBytes": "PUSHCOMPOSE_MAX_PAYLOAD_BYTES", "failOpen": "PUSHCOMPOSE_FAIL_OPEN",
        "auditText": "PUSHCOMPOSE_AUDIT_TEXT", "auditMaxFileBytes": "PUSHCOMPOSE_AUDIT_MAX_FILE_BYTES",
        "auditFsyncMillis": "PUSHCOMPOSE_AUDIT_FSYNC_MILLIS", "auditKey": "PUSHCOMPOSE_AUDIT_KEY",
        "adminHost": "PUSHCOMPOSE_ADMIN_HOST", "adminPort": "PUSHCOMPOSE_ADMIN_PORT",
        "signatureWindowSeconds": "PUSHCOMPOSE_SIGNATURE_WINDOW_SECONDS", "idleTimeoutSeconds": "PUSHCOMPOSE_IDLE_TIMEOUT_SECONDS",
        "requestTimeoutSeconds": "PUSHCOMPOSE_REQUEST_TIMEOUT_SECONDS", "maxConnections": "PUSHCOMPOSE_MAX_CONNECTIONS",
        "database": "PUSHCOMPOSE_DATABASE_URL", "databaseMaxConnections": "PUSHCOMPOSE_DATABASE_MAX_CONNECTIONS",
        "instanceId": "PUSHCOMPOSE_INSTANCE_ID", "eventsToken": "PUSHCOMPOSE_EVENTS_TOKEN",
        "experimentPayloadMember": "PUSHCOMPOSE_EXPERIMENT_PAYLOAD_MEMBER",
        "auditChain": "PUSHCOMPOSE_AUDIT_CHAIN", "auditQueueRecords": "PUSHCOMPOSE_AUDIT_QUEUE_RECORDS",
        "auditRetentionDays": "PUSHCOMPOSE_AUDIT_RETENTION_DAYS", "auditRetentionBytes": "PUSHCOMPOSE_AUDIT_RETENTION_BYTES",
    ].merging(DeliveryConfiguration.fileKeys) { first, _ in first }

    /// Reads the file (if any), then the environment over it.
    static func load(file: String?, environment: [String: String]) throws -> ServerConfiguration {
        var values: [String: String] = [:]
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw Error(description: "cannot read configuration file \(file)")
            }
            let node: Node?
            do { node = try Yams.compose(yaml: text) } catch { throw Error(description: "\(file): \(error)") }
            if let node {
                guard let mapping = node.mapping else { throw Error(description: "\(file): the configuration must be a mapping") }
                for (key, value) in mapping {
                    let name = key.string ?? ""
                    guard fileKeys[name] != nil else {
                        throw Error(description: "\(file):\(key.mark?.line ?? 1): unknown setting '\(name)' (expected one of: \(fileKeys.keys.sorted().joined(separator: ", ")))")
                    }
                    guard let scalar = value.scalar else { throw Error(description: "\(file):\(value.mark?.line ?? 1): '\(name)' must be a single value") }
                    values[name] = scalar.string
                }
            }
        }
        for (key, variable) in fileKeys {
            if let value = environment[variable], !value.isEmpty { values[key] = value }
        }
        var configuration = ServerConfiguration()
        try configuration.apply(values)
        return configuration
    }

    /// Every number here ends up as a size, a count or a duration (seconds or
    /// milliseconds turned into nanoseconds): past Int32.max the conversions overflow
    /// and trap at the first use, long after start-up said the configuration was fine.
    static func int(_ values: [String: String], _ key: String, minimum: Int = 1, maximum: Int = Int(Int32.max)) throws -> Int? {
        guard let text = values[key] else { return nil }
        guard let value = Int(text), value >= minimum else {
            throw Error(description: "\(key) (\(fileKeys[key]!)) must be a whole number of at least \(minimum), not '\(text)'")
        }
        guard value <= maximum else {
            throw Error(description: "\(key) (\(fileKeys[key]!)) must be at most \(maximum), not '\(text)'")
        }
        return value
    }

    static func bool(_ values: [String: String], _ key: String) throws -> Bool? {
        guard let text = values[key] else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw Error(description: "\(key) (\(fileKeys[key]!)) must be true or false, not '\(text)'")
        }
    }

    private mutating func apply(_ values: [String: String]) throws {
        func int(_ key: String, minimum: Int = 1, maximum: Int = Int(Int32.max)) throws -> Int? {
            try Self.int(values, key, minimum: minimum, maximum: maximum)
        }
        host = values["host"] ?? host
        if let port = try int("port", minimum: 0) {
            guard port <= 65535 else { throw Error(description: "port must be at most 65535") }
            self.port = port
        }
        templates = values["templates"] ?? templates
        data = values["data"] ?? data
        appId = values["appId"] ?? appId
        appKey = values["appKey"] ?? appKey
        masterKey = values["masterKey"] ?? masterKey
        hookKey = values["hookKey"] ?? hookKey
        adminToken = values["adminToken"] ?? adminToken
        eventsToken = values["eventsToken"] ?? eventsToken
        experimentPayloadMember = try Self.bool(values, "experimentPayloadMember") ?? experimentPayloadMember
        adminHost = values["adminHost"] ?? adminHost
        if let port = try int("adminPort", minimum: 0) {
            guard port <= 65535 else { throw Error(description: "adminPort (PUSHCOMPOSE_ADMIN_PORT) must be at most 65535") }
            adminPort = port
        }
        if adminHost != nil, adminPort == nil {
            throw Error(description: "adminHost (PUSHCOMPOSE_ADMIN_HOST) needs adminPort (PUSHCOMPOSE_ADMIN_PORT): the admin listener is on when it has a port")
        }
        signatureWindowSeconds = try int("signatureWindowSeconds", minimum: 0) ?? signatureWindowSeconds
        idleTimeoutSeconds = try int("idleTimeoutSeconds") ?? idleTimeoutSeconds
        requestTimeoutSeconds = try int("requestTimeoutSeconds") ?? requestTimeoutSeconds
        maxConnections = try int("maxConnections", minimum: 16) ?? maxConnections
        defaultLocale = values["defaultLocale"] ?? defaultLocale
        maxBodyBytes = try int("maxBodyBytes") ?? maxBodyBytes
        maxPeers = try int("maxPeers") ?? maxPeers
        maxPayloadBytes = try int("maxPayloadBytes", minimum: 64) ?? maxPayloadBytes
        auditMaxFileBytes = try int("auditMaxFileBytes", minimum: 1024) ?? auditMaxFileBytes
        auditFsyncMillis = try int("auditFsyncMillis", minimum: 0) ?? auditFsyncMillis
        auditChain = try Self.bool(values, "auditChain") ?? auditChain
        auditQueueRecords = try int("auditQueueRecords", minimum: 100) ?? auditQueueRecords
        auditRetention.maxAgeDays = try int("auditRetentionDays", minimum: 0) ?? auditRetention.maxAgeDays
        auditRetention.maxBytes = try int("auditRetentionBytes", minimum: 0, maximum: Int.max) ?? auditRetention.maxBytes
        if let key = values["auditKey"] {
            // The key itself is never part of a message.
            guard key.count >= AuditHashKey.minimumLength else {
                throw Error(description: "auditKey (PUSHCOMPOSE_AUDIT_KEY) must be at least \(AuditHashKey.minimumLength) characters")
            }
            auditKey = key
        }
        failOpen = try Self.bool(values, "failOpen") ?? failOpen
        if let url = values["database"] {
            if url == "sqlite" {
                database = nil
            } else {
                do {
                    _ = try PostgresURL(url)
                } catch {
                    throw Error(description: "database (PUSHCOMPOSE_DATABASE_URL): \(error)")
                }
                database = url
            }
        }
        databaseMaxConnections = try int("databaseMaxConnections", minimum: 2, maximum: 1000) ?? databaseMaxConnections
        if let id = values["instanceId"] {
            guard (1...64).contains(id.utf8.count), id.unicodeScalars.allSatisfy({ Self.instanceIdCharacters.contains($0) }) else {
                throw Error(description: "instanceId (PUSHCOMPOSE_INSTANCE_ID) must be 1 to 64 letters, digits, '.', '_', ':' or '-', not '\(id)'")
            }
            // Its audit stream would be the one commands write (`CommandAudit`).
            guard AuditFileName.stream(instanceId: id) != CommandAudit.stream else {
                throw Error(description: "instanceId (PUSHCOMPOSE_INSTANCE_ID) '\(id)' is reserved: the audit log's stream of that name is written by commands")
            }
            instanceId = id
        }
        try delivery.apply(values)
        if let text = values["auditText"] {
            guard let mode = AuditTextMode(rawValue: text) else {
                throw Error(description: "auditText (PUSHCOMPOSE_AUDIT_TEXT) must be full, hash or none, not '\(text)'")
            }
            auditText = mode
        }
    }

    private static let instanceIdCharacters = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        .union(CharacterSet(charactersIn: "._:-"))

    /// This instance's id: the configured one, else the host's name and the port (the
    /// process id when the port is chosen by the system).
    var resolvedInstanceId: String {
        if let instanceId { return instanceId }
        let host = ProcessInfo.processInfo.hostName.unicodeScalars.filter { Self.instanceIdCharacters.contains($0) }.prefix(40)
        let suffix = port == 0 ? "pid\(ProcessInfo.processInfo.processIdentifier)" : String(port)
        return "\(String(String.UnicodeScalarView(host)).isEmpty ? "pushcompose" : String(String.UnicodeScalarView(host))):\(suffix)"
    }

    /// The app's secrets; nil when none is set (unsecured). Some but not all is an error.
    func secrets() throws -> AppSecrets? {
        let named = [("LEANCLOUD_APP_ID", appId), ("LEANCLOUD_APP_KEY", appKey), ("LEANCLOUD_APP_MASTER_KEY", masterKey), ("LEANCLOUD_APP_HOOK_KEY", hookKey)]
        let missing = named.filter { $0.1.isEmpty }.map(\.0)
        if missing.count == named.count { return nil }
        guard missing.isEmpty else {
            throw Error(description: "some app secrets are set but not \(missing.joined(separator: ", ")): set all four, or none to run unsecured on loopback")
        }
        return AppSecrets(appId: appId, appKey: appKey, masterKey: masterKey, hookKey: hookKey)
    }

    /// The admin API has its own token, never an app secret: one that equals the hook key
    /// (or another of the app's values) would let whoever calls the hooks into the admin API.
    /// The events token likewise, and distinct from the admin token: the app's backend that
    /// reports opens must not reach the admin API.
    func checkAdminToken() throws {
        let named = [("LEANCLOUD_APP_ID", appId), ("LEANCLOUD_APP_KEY", appKey), ("LEANCLOUD_APP_MASTER_KEY", masterKey), ("LEANCLOUD_APP_HOOK_KEY", hookKey)]
        if !adminToken.isEmpty {
            let shared = named.filter { $0.1 == adminToken }.map(\.0)
            guard shared.isEmpty else {
                throw Error(description: "the admin token (PUSHCOMPOSE_ADMIN_TOKEN) must be its own secret, not the same as \(shared.joined(separator: ", "))")
            }
        }
        if !eventsToken.isEmpty {
            let shared = (named + [("PUSHCOMPOSE_ADMIN_TOKEN", adminToken)]).filter { $0.1 == eventsToken }.map(\.0)
            guard shared.isEmpty else {
                throw Error(description: "the events token (PUSHCOMPOSE_EVENTS_TOKEN) must be its own secret, not the same as \(shared.joined(separator: ", "))")
            }
        }
    }

    /// Where to listen: all interfaces when secured, loopback only when not.
    func bindHost(secured: Bool) throws -> String {
        if secured { return host ?? "0.0.0.0" }
        guard let host else { return "127.0.0.1" }
        guard ["127.0.0.1", "localhost", "::1"].contains(host) else {
            throw Error(description: "no app secrets are set, so the service listens on loopback only; set the LEANCLOUD_APP_* secrets to listen on \(host)")
        }
        return host
    }

    /// Where the admin listener listens, when it is on: loopback unless told otherwise, and
    /// loopback only when unsecured.
    func adminBindHost(secured: Bool) throws -> String? {
        guard adminPort != nil else { return nil }
        guard let adminHost else { return "127.0.0.1" }
        guard secured || ["127.0.0.1", "localhost", "::1"].contains(adminHost) else {
            throw Error(description: "no app secrets are set, so the service listens on loopback only; set the LEANCLOUD_APP_* secrets to listen on \(adminHost)")
        }
        return adminHost
    }

    var composerOptions: Composer.Options {
        Composer.Options(
            defaultLocale: defaultLocale, maxPayloadBytes: maxPayloadBytes, failOpen: failOpen,
            experimentPayloadMember: experimentPayloadMember)
    }

    /// The hook service's settings, with the audit text policy resolved from `auditText`
    /// and its key (`AuditTextPolicy`).
    func hookSettings(auditText: AuditTextPolicy) -> HookService.Settings {
        HookService.Settings(composer: composerOptions, maxPeers: maxPeers, auditText: auditText)
    }
}
