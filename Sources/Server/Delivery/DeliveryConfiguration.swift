import Delivery
import Foundation
import SQLiteStorage

/// The custom channel's settings: devices, the queue, the workers and the providers.
/// A provider is on when its address or key is set (`webhookURL`, `platformServer`,
/// `apnsKeyFile`, `fcmServiceAccountFile`).
struct DeliveryConfiguration: Sendable, Equatable {
    var maxDevicesPerClient = 10
    var queueDurability = SQLiteDeliveryDatabase.Durability.full
    var concurrency = 16
    /// Attempts in flight for the HTTP/2 providers; nil: `concurrency`. Their requests
    /// share one multiplexed connection, so more in flight costs no connections, and
    /// in flight ÷ attempt latency bounds their throughput.
    var apnsConcurrency: Int?
    var fcmConcurrency: Int?
    var leaseSeconds = 60
    var pollSeconds = 5
    var shutdownSeconds = 10
    var retryBaseMillis = 1000
    var retryMaxDelaySeconds = 3600
    var retryMaxAttempts = 12
    var retryMaxAgeSeconds = 86_400
    /// `_clientOnline` sets the client's badge counter back to zero.
    var badgeResetOnClientOnline = false
    var webhookURL: String?
    var webhookSecret = ""
    var webhookTimeoutSeconds = 10
    var webhookMaxPayloadBytes = 4096
    var platformServer: String?
    var platformProduction = true
    /// JSON; nil: `{"clientId": "{{receiver}}"}`.
    var platformWhere: String?
    var platformTimeoutSeconds = 10
    var platformMaxPayloadBytes = 3800
    var apnsKeyFile: String?
    var apnsKeyId = ""
    var apnsTeamId = ""
    var apnsTopic: String?
    var apnsEnvironments = Set(APNsEnvironment.allCases)
    var apnsProductionURL = APNsProvider.Configuration.defaultProductionURL
    var apnsSandboxURL = APNsProvider.Configuration.defaultSandboxURL
    var apnsTimeoutSeconds = 10
    /// PEM certificates to trust for APNs instead of the system's (a local stand-in).
    var apnsCACertificateFile: String?
    var fcmServiceAccountFile: String?
    var fcmBaseURL = FCMProvider.Configuration.defaultBaseURL
    var fcmTimeoutSeconds = 10

    /// The most attempts in flight per provider (`deliveryConcurrency`).
    static let maxConcurrency = 1024

    static let fileKeys: [String: String] = [
        "maxDevicesPerClient": "PUSHCOMPOSE_MAX_DEVICES_PER_CLIENT", "queueDurability": "PUSHCOMPOSE_QUEUE_DURABILITY",
        "deliveryConcurrency": "PUSHCOMPOSE_DELIVERY_CONCURRENCY", "deliveryLeaseSeconds": "PUSHCOMPOSE_DELIVERY_LEASE_SECONDS",
        "apnsConcurrency": "PUSHCOMPOSE_APNS_CONCURRENCY", "fcmConcurrency": "PUSHCOMPOSE_FCM_CONCURRENCY",
        "deliveryPollSeconds": "PUSHCOMPOSE_DELIVERY_POLL_SECONDS", "deliveryShutdownSeconds": "PUSHCOMPOSE_DELIVERY_SHUTDOWN_SECONDS",
        "retryBaseMillis": "PUSHCOMPOSE_RETRY_BASE_MILLIS", "retryMaxDelaySeconds": "PUSHCOMPOSE_RETRY_MAX_DELAY_SECONDS",
        "retryMaxAttempts": "PUSHCOMPOSE_RETRY_MAX_ATTEMPTS", "retryMaxAgeSeconds": "PUSHCOMPOSE_RETRY_MAX_AGE_SECONDS",
        "badgeResetOnClientOnline": "PUSHCOMPOSE_BADGE_RESET_ON_CLIENT_ONLINE",
        "webhookURL": "PUSHCOMPOSE_WEBHOOK_URL", "webhookSecret": "PUSHCOMPOSE_WEBHOOK_SECRET",
        "webhookTimeoutSeconds": "PUSHCOMPOSE_WEBHOOK_TIMEOUT_SECONDS", "webhookMaxPayloadBytes": "PUSHCOMPOSE_WEBHOOK_MAX_PAYLOAD_BYTES",
        "platformServer": "PUSHCOMPOSE_PLATFORM_SERVER", "platformProduction": "PUSHCOMPOSE_PLATFORM_PRODUCTION",
        "platformWhere": "PUSHCOMPOSE_PLATFORM_WHERE", "platformTimeoutSeconds": "PUSHCOMPOSE_PLATFORM_TIMEOUT_SECONDS",
        "platformMaxPayloadBytes": "PUSHCOMPOSE_PLATFORM_MAX_PAYLOAD_BYTES",
        "apnsKeyFile": "PUSHCOMPOSE_APNS_KEY_FILE", "apnsKeyId": "PUSHCOMPOSE_APNS_KEY_ID", "apnsTeamId": "PUSHCOMPOSE_APNS_TEAM_ID",
        "apnsTopic": "PUSHCOMPOSE_APNS_TOPIC", "apnsEnvironments": "PUSHCOMPOSE_APNS_ENVIRONMENTS",
        "apnsProductionURL": "PUSHCOMPOSE_APNS_PRODUCTION_URL", "apnsSandboxURL": "PUSHCOMPOSE_APNS_SANDBOX_URL",
        "apnsTimeoutSeconds": "PUSHCOMPOSE_APNS_TIMEOUT_SECONDS", "apnsCACertificateFile": "PUSHCOMPOSE_APNS_CA_CERTIFICATE_FILE",
        "fcmServiceAccountFile": "PUSHCOMPOSE_FCM_SERVICE_ACCOUNT_FILE", "fcmBaseURL": "PUSHCOMPOSE_FCM_BASE_URL",
        "fcmTimeoutSeconds": "PUSHCOMPOSE_FCM_TIMEOUT_SECONDS",
    ]

    mutating func apply(_ values: [String: String]) throws {
        func int(_ key: String, minimum: Int = 1) throws -> Int? { try ServerConfiguration.int(values, key, minimum: minimum) }
        maxDevicesPerClient = try int("maxDevicesPerClient") ?? maxDevicesPerClient
        if let text = values["queueDurability"] {
            guard let durability = SQLiteDeliveryDatabase.Durability(rawValue: text) else {
                throw ServerConfiguration.Error(description: "queueDurability (PUSHCOMPOSE_QUEUE_DURABILITY) must be full or normal, not '\(text)'")
            }
            queueDurability = durability
        }
        // Each slot may hold an HTTP connection per provider host.
        concurrency = try ServerConfiguration.int(values, "deliveryConcurrency", maximum: Self.maxConcurrency) ?? concurrency
        apnsConcurrency = try ServerConfiguration.int(values, "apnsConcurrency", maximum: Self.maxConcurrency) ?? apnsConcurrency
        fcmConcurrency = try ServerConfiguration.int(values, "fcmConcurrency", maximum: Self.maxConcurrency) ?? fcmConcurrency
        leaseSeconds = try int("deliveryLeaseSeconds") ?? leaseSeconds
        pollSeconds = try int("deliveryPollSeconds") ?? pollSeconds
        shutdownSeconds = try int("deliveryShutdownSeconds", minimum: 0) ?? shutdownSeconds
        retryBaseMillis = try int("retryBaseMillis") ?? retryBaseMillis
        retryMaxDelaySeconds = try int("retryMaxDelaySeconds") ?? retryMaxDelaySeconds
        retryMaxAttempts = try int("retryMaxAttempts") ?? retryMaxAttempts
        retryMaxAgeSeconds = try int("retryMaxAgeSeconds") ?? retryMaxAgeSeconds
        badgeResetOnClientOnline = try ServerConfiguration.bool(values, "badgeResetOnClientOnline") ?? badgeResetOnClientOnline
        webhookURL = values["webhookURL"] ?? webhookURL
        webhookSecret = values["webhookSecret"] ?? webhookSecret
        webhookTimeoutSeconds = try int("webhookTimeoutSeconds") ?? webhookTimeoutSeconds
        webhookMaxPayloadBytes = try int("webhookMaxPayloadBytes", minimum: 256) ?? webhookMaxPayloadBytes
        platformServer = values["platformServer"] ?? platformServer
        platformProduction = try ServerConfiguration.bool(values, "platformProduction") ?? platformProduction
        platformWhere = values["platformWhere"] ?? platformWhere
        platformTimeoutSeconds = try int("platformTimeoutSeconds") ?? platformTimeoutSeconds
        platformMaxPayloadBytes = try int("platformMaxPayloadBytes", minimum: 256) ?? platformMaxPayloadBytes
        apnsKeyFile = values["apnsKeyFile"] ?? apnsKeyFile
        apnsKeyId = values["apnsKeyId"] ?? apnsKeyId
        apnsTeamId = values["apnsTeamId"] ?? apnsTeamId
        apnsTopic = values["apnsTopic"] ?? apnsTopic
        if let text = values["apnsEnvironments"] {
            var environments = Set<APNsEnvironment>()
            for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard let environment = APNsEnvironment(rawValue: name) else {
                    throw ServerConfiguration.Error(description: "apnsEnvironments (PUSHCOMPOSE_APNS_ENVIRONMENTS) names production and/or sandbox, not '\(name)'")
                }
                environments.insert(environment)
            }
            apnsEnvironments = environments
        }
        apnsProductionURL = values["apnsProductionURL"] ?? apnsProductionURL
        apnsSandboxURL = values["apnsSandboxURL"] ?? apnsSandboxURL
        apnsTimeoutSeconds = try int("apnsTimeoutSeconds") ?? apnsTimeoutSeconds
        apnsCACertificateFile = values["apnsCACertificateFile"] ?? apnsCACertificateFile
        fcmServiceAccountFile = values["fcmServiceAccountFile"] ?? fcmServiceAccountFile
        fcmBaseURL = values["fcmBaseURL"] ?? fcmBaseURL
        fcmTimeoutSeconds = try int("fcmTimeoutSeconds") ?? fcmTimeoutSeconds
        // Only the providers that are on send attempts the lease must outlast.
        let timeouts = [
            webhookURL.map { _ in webhookTimeoutSeconds }, platformServer.map { _ in platformTimeoutSeconds },
            apnsKeyFile.map { _ in apnsTimeoutSeconds }, fcmServiceAccountFile.map { _ in fcmTimeoutSeconds },
        ]
        guard leaseSeconds > timeouts.compactMap({ $0 }).max() ?? 0 else {
            throw ServerConfiguration.Error(
                description: "deliveryLeaseSeconds (PUSHCOMPOSE_DELIVERY_LEASE_SECONDS) must be longer than every provider's timeout, or a slow attempt's job is sent again while it is still being sent")
        }
    }

    var workerSettings: WorkerSettings {
        WorkerSettings(
            concurrency: concurrency, concurrencyByProvider: [.apns: apnsConcurrency, .fcm: fcmConcurrency].compactMapValues { $0 },
            leaseDuration: .seconds(leaseSeconds), idlePoll: .seconds(pollSeconds),
            shutdownDeadline: .seconds(shutdownSeconds),
            retry: RetryPolicy(
                baseDelay: .milliseconds(retryBaseMillis), maxDelay: .seconds(retryMaxDelaySeconds),
                maxAttempts: retryMaxAttempts, maxAge: .seconds(retryMaxAgeSeconds)))
    }

    /// The webhook provider's settings (checked when the provider is made); nil when it is off.
    func webhook() -> WebhookProvider.Configuration? {
        guard let webhookURL else { return nil }
        return WebhookProvider.Configuration(
            url: webhookURL, secret: webhookSecret, timeout: .seconds(webhookTimeoutSeconds), maxPayloadBytes: webhookMaxPayloadBytes)
    }

    /// The platform push provider's settings; nil when it is off. It sends with the app's
    /// id and master key.
    func platform(secrets: AppSecrets?) throws -> PlatformPushProvider.Configuration? {
        guard let platformServer else { return nil }
        guard let secrets else {
            throw ServerConfiguration.Error(
                description: "platformServer (PUSHCOMPOSE_PLATFORM_SERVER) sends with the app's id and master key: set the LEANCLOUD_APP_* secrets")
        }
        let whereTemplate = try platformWhere.map { json throws(ProviderConfigurationError) in try WhereTemplate(json: json) } ?? .receiverClientId
        return try PlatformPushProvider.Configuration(
            server: platformServer, appId: secrets.appId, masterKey: secrets.masterKey, production: platformProduction,
            whereTemplate: whereTemplate, timeout: .seconds(platformTimeoutSeconds), maxPayloadBytes: platformMaxPayloadBytes
        ).validated()
    }

    /// The APNs provider's settings, its key read from `apnsKeyFile`; nil when it is off.
    func apns() throws -> APNsProvider.Configuration? {
        guard let apnsKeyFile else {
            let stray = [("apnsKeyId", apnsKeyId), ("apnsTeamId", apnsTeamId)].filter { !$0.1.isEmpty }.map(\.0)
            guard stray.isEmpty else {
                throw ServerConfiguration.Error(description: "\(stray.joined(separator: " and ")) set but not apnsKeyFile (PUSHCOMPOSE_APNS_KEY_FILE): APNs is on when its key file is set")
            }
            return nil
        }
        let key = try Self.read(apnsKeyFile, setting: "apnsKeyFile (PUSHCOMPOSE_APNS_KEY_FILE)")
        for (setting, value) in [("apnsKeyId (PUSHCOMPOSE_APNS_KEY_ID)", apnsKeyId), ("apnsTeamId (PUSHCOMPOSE_APNS_TEAM_ID)", apnsTeamId)] where value.isEmpty {
            throw ServerConfiguration.Error(description: "\(setting) must be set with apnsKeyFile")
        }
        let trustRoots = try apnsCACertificateFile.map { try Self.read($0, setting: "apnsCACertificateFile (PUSHCOMPOSE_APNS_CA_CERTIFICATE_FILE)") }
        let credentials = try APNsCredentials(keyId: apnsKeyId, teamId: apnsTeamId, privateKeyPEM: String(decoding: key, as: UTF8.self))
        return try APNsProvider.Configuration(
            credentials: credentials, topic: apnsTopic, environments: apnsEnvironments, productionURL: apnsProductionURL,
            sandboxURL: apnsSandboxURL, timeout: .seconds(apnsTimeoutSeconds), trustRootsPEM: trustRoots.map { String(decoding: $0, as: UTF8.self) }
        ).validated()
    }

    /// The FCM provider's settings, the service account read from its file; nil when it is off.
    func fcm() throws -> FCMProvider.Configuration? {
        guard let fcmServiceAccountFile else { return nil }
        let json = try Self.read(fcmServiceAccountFile, setting: "fcmServiceAccountFile (PUSHCOMPOSE_FCM_SERVICE_ACCOUNT_FILE)")
        return try FCMProvider.Configuration(
            serviceAccount: FCMServiceAccount(json: json), baseURL: fcmBaseURL, timeout: .seconds(fcmTimeoutSeconds)
        ).validated()
    }

    /// A credentials file's bytes, or an error naming the setting and the file.
    private static func read(_ path: String, setting: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServerConfiguration.Error(description: "\(setting): cannot read \(path)")
        }
        return Array(data)
    }
}
