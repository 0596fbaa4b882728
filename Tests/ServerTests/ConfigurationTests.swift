import Foundation
@testable import Server
import XCTest

/// ServerConfiguration: secrets all-or-none, loopback-only when unsecured, file and environment.
final class ConfigurationTests: XCTestCase {
    private static func partial(_ set: [WritableKeyPath<ServerConfiguration, String>]) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        for key in set { configuration[keyPath: key] = "value" }
        return configuration
    }

    func testNoSecretsMeansUnsecured() throws {
        XCTAssertNil(try ServerConfiguration().secrets())
    }

    func testAllFourSecrets() throws {
        var configuration = ServerConfiguration()
        configuration.appId = "id"
        configuration.appKey = "key"
        configuration.masterKey = "master"
        configuration.hookKey = "hook"
        XCTAssertEqual(try configuration.secrets(), AppSecrets(appId: "id", appKey: "key", masterKey: "master", hookKey: "hook"))
    }

    func testPartialSecretsAreRefusedNamingWhatIsMissing() throws {
        let configuration = Self.partial([\.appId, \.appKey])
        XCTAssertThrowsError(try configuration.secrets()) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("LEANCLOUD_APP_MASTER_KEY"), message)
            XCTAssertTrue(message.contains("LEANCLOUD_APP_HOOK_KEY"), message)
            XCTAssertFalse(message.contains("LEANCLOUD_APP_ID"), message)
            XCTAssertFalse(message.contains("LEANCLOUD_APP_KEY,"), message)
        }
        XCTAssertThrowsError(try Self.partial([\.appId, \.appKey, \.masterKey]).secrets()) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("LEANCLOUD_APP_HOOK_KEY"), message)
            XCTAssertFalse(message.contains("LEANCLOUD_APP_MASTER_KEY"), message)
        }
        XCTAssertThrowsError(try Self.partial([\.hookKey]).secrets()) { error in
            let message = String(describing: error)
            for name in ["LEANCLOUD_APP_ID", "LEANCLOUD_APP_KEY", "LEANCLOUD_APP_MASTER_KEY"] {
                XCTAssertTrue(message.contains(name), message)
            }
        }
    }

    func testServerRefusesToStartWithPartialSecrets() async throws {
        var configuration = try makeConfiguration()
        configuration.appId = "id"
        await assertThrowsAsync(try await PushComposeServer(configuration: configuration, logger: testLogger)) { error in
            XCTAssertTrue(String(describing: error).contains("LEANCLOUD_APP_KEY"), "\(error)")
        }
    }

    func testUnsecuredListensOnLoopbackOnly() throws {
        var configuration = ServerConfiguration()
        XCTAssertEqual(try configuration.bindHost(secured: false), "127.0.0.1")
        for host in ["127.0.0.1", "localhost", "::1"] {
            configuration.host = host
            XCTAssertEqual(try configuration.bindHost(secured: false), host)
        }
        for host in ["0.0.0.0", "192.168.1.20", "::", "example.com"] {
            configuration.host = host
            XCTAssertThrowsError(try configuration.bindHost(secured: false), host) { error in
                XCTAssertTrue(String(describing: error).contains("loopback"), "\(error)")
            }
        }
    }

    func testSecuredListensWhereTold() throws {
        var configuration = ServerConfiguration()
        XCTAssertEqual(try configuration.bindHost(secured: true), "0.0.0.0")
        configuration.host = "10.1.2.3"
        XCTAssertEqual(try configuration.bindHost(secured: true), "10.1.2.3")
    }

    func testUnsecuredServerOnAPublicHostDoesNotStart() async throws {
        var configuration = try makeConfiguration()
        configuration.host = "0.0.0.0"
        let server = try await PushComposeServer(configuration: configuration, logger: testLogger)
        XCTAssertFalse(server.secured)
        XCTAssertThrowsError(try server.makeApplication())
    }

    func testEnvironmentUsesTheLeanCloudNames() throws {
        let configuration = try ServerConfiguration.load(file: nil, environment: [
            "LEANCLOUD_APP_ID": "id", "LEANCLOUD_APP_KEY": "key", "LEANCLOUD_APP_MASTER_KEY": "master",
            "LEANCLOUD_APP_HOOK_KEY": "hook", "LEANCLOUD_APP_PORT": "3456", "PUSHCOMPOSE_ADMIN_TOKEN": "admin",
            "PUSHCOMPOSE_MAX_PEERS": "12", "PUSHCOMPOSE_AUDIT_TEXT": "hash", "UNRELATED": "x",
        ])
        XCTAssertEqual(try configuration.secrets(), AppSecrets(appId: "id", appKey: "key", masterKey: "master", hookKey: "hook"))
        XCTAssertEqual(configuration.port, 3456)
        XCTAssertEqual(configuration.adminToken, "admin")
        XCTAssertEqual(configuration.maxPeers, 12)
        XCTAssertEqual(configuration.auditText, .hash)
    }

    /// An instance's audit stream is named after it; `cli` is the commands' stream.
    func testTheCommandsAuditStreamIsNoInstanceId() throws {
        XCTAssertEqual(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_INSTANCE_ID": "api-1"]).instanceId, "api-1")
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_INSTANCE_ID": "cli"])) { error in
            XCTAssertTrue("\(error)".contains("instanceId (PUSHCOMPOSE_INSTANCE_ID) 'cli' is reserved"), "\(error)")
        }
    }

    func testDefaults() throws {
        let configuration = try ServerConfiguration.load(file: nil, environment: [:])
        XCTAssertEqual(configuration, ServerConfiguration())
        XCTAssertEqual(configuration.port, 3000)
        XCTAssertEqual(configuration.templates, "templates")
        XCTAssertEqual(configuration.data, "data")
        XCTAssertNil(try configuration.secrets())
        XCTAssertEqual(configuration.auditText, .full)
    }

    func testFileThenEnvironment() throws {
        let file = try makeTemporaryDirectory().appendingPathComponent("pushcompose.yaml")
        try "port: 4000\nmaxBodyBytes: 2048\nauditText: none\nadminToken: from-file\n".write(to: file, atomically: true, encoding: .utf8)
        let configuration = try ServerConfiguration.load(file: file.path, environment: ["PUSHCOMPOSE_ADMIN_TOKEN": "from-env"])
        XCTAssertEqual(configuration.port, 4000)
        XCTAssertEqual(configuration.maxBodyBytes, 2048)
        XCTAssertEqual(configuration.auditText, AuditTextMode.none)
        XCTAssertEqual(configuration.adminToken, "from-env")
    }

    /// Durations past Int32.max would overflow when turned into nanoseconds and trap at
    /// their first use (the first audit write, the first sweep), not at start.
    func testNumbersTooLargeForTheirUseAreRefusedAtStart() {
        for (variable, key) in [
            ("PUSHCOMPOSE_AUDIT_FSYNC_MILLIS", "auditFsyncMillis"), ("PUSHCOMPOSE_IDLE_TIMEOUT_SECONDS", "idleTimeoutSeconds"),
            ("PUSHCOMPOSE_REQUEST_TIMEOUT_SECONDS", "requestTimeoutSeconds"),
            ("PUSHCOMPOSE_SIGNATURE_WINDOW_SECONDS", "signatureWindowSeconds"),
        ] {
            XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: [variable: "1000000000000000"])) { error in
                XCTAssertEqual("\(error)", "\(key) (\(variable)) must be at most 2147483647, not '1000000000000000'")
            }
        }
    }

    func testListenerAndSignatureSettings() throws {
        let defaults = ServerConfiguration()
        XCTAssertNil(defaults.adminHost)
        XCTAssertNil(defaults.adminPort)
        XCTAssertNil(try defaults.adminBindHost(secured: true))
        XCTAssertEqual(defaults.signatureWindowSeconds, 900)
        XCTAssertEqual(defaults.idleTimeoutSeconds, 60)
        XCTAssertEqual(defaults.requestTimeoutSeconds, 30)
        XCTAssertEqual(defaults.maxConnections, 10_000)

        let configuration = try ServerConfiguration.load(file: nil, environment: [
            "PUSHCOMPOSE_ADMIN_PORT": "3001", "PUSHCOMPOSE_SIGNATURE_WINDOW_SECONDS": "0", "PUSHCOMPOSE_IDLE_TIMEOUT_SECONDS": "5",
            "PUSHCOMPOSE_REQUEST_TIMEOUT_SECONDS": "7", "PUSHCOMPOSE_MAX_CONNECTIONS": "500",
        ])
        XCTAssertEqual(configuration.adminPort, 3001)
        XCTAssertEqual(try configuration.adminBindHost(secured: true), "127.0.0.1", "the admin listener is on loopback unless told")
        XCTAssertEqual(configuration.signatureWindowSeconds, 0)
        XCTAssertEqual(configuration.idleTimeoutSeconds, 5)
        XCTAssertEqual(configuration.requestTimeoutSeconds, 7)
        XCTAssertEqual(configuration.maxConnections, 500)

        let file = try makeTemporaryDirectory().appendingPathComponent("pushcompose.yaml")
        try "adminHost: 10.0.0.5\nadminPort: 9000\nmaxConnections: 2000\n".write(to: file, atomically: true, encoding: .utf8)
        let fromFile = try ServerConfiguration.load(file: file.path, environment: [:])
        XCTAssertEqual(try fromFile.adminBindHost(secured: true), "10.0.0.5")
        XCTAssertThrowsError(try fromFile.adminBindHost(secured: false)) { error in
            XCTAssertTrue(String(describing: error).contains("loopback"), "\(error)")
        }
        XCTAssertEqual(fromFile.maxConnections, 2000)

        for (variable, value, expected) in [
            ("PUSHCOMPOSE_MAX_CONNECTIONS", "5", "PUSHCOMPOSE_MAX_CONNECTIONS"), ("PUSHCOMPOSE_IDLE_TIMEOUT_SECONDS", "0", "PUSHCOMPOSE_IDLE_TIMEOUT_SECONDS"),
            ("PUSHCOMPOSE_REQUEST_TIMEOUT_SECONDS", "soon", "PUSHCOMPOSE_REQUEST_TIMEOUT_SECONDS"),
            ("PUSHCOMPOSE_SIGNATURE_WINDOW_SECONDS", "-1", "PUSHCOMPOSE_SIGNATURE_WINDOW_SECONDS"),
            ("PUSHCOMPOSE_ADMIN_PORT", "70000", "PUSHCOMPOSE_ADMIN_PORT"), ("PUSHCOMPOSE_ADMIN_HOST", "127.0.0.1", "PUSHCOMPOSE_ADMIN_PORT"),
        ] {
            XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: [variable: value]), variable) { error in
                XCTAssertTrue(String(describing: error).contains(expected), "\(error)")
            }
        }
    }

    func testConnectionLimitsFitTheOpenFilesLimit() {
        var configuration = ServerConfiguration()
        configuration.idleTimeoutSeconds = 5
        configuration.requestTimeoutSeconds = 2
        let limits = configuration.connectionLimits(listeners: 1, openFiles: 1_048_576)
        XCTAssertEqual(limits, ConnectionLimits(idleTimeout: .seconds(5), requestTimeout: .seconds(2), maxConnections: 10_000))
        XCTAssertEqual(configuration.connectionLimits(listeners: 1, openFiles: 1024).maxConnections, 1024 - OpenFileLimit.reserved)
        XCTAssertEqual(configuration.connectionLimits(listeners: 2, openFiles: 20_000).maxConnections, (20_000 - OpenFileLimit.reserved) / 2)
    }

    func testBadFileAndValuesAreRefusedClearly() throws {
        let file = try makeTemporaryDirectory().appendingPathComponent("pushcompose.yaml")
        try "port: 4000\nprot: 5000\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ServerConfiguration.load(file: file.path, environment: [:])) { error in
            XCTAssertTrue(String(describing: error).contains("\(file.path):2: unknown setting 'prot'"), "\(error)")
        }
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["LEANCLOUD_APP_PORT": "eighty"])) { error in
            XCTAssertTrue(String(describing: error).contains("LEANCLOUD_APP_PORT"), "\(error)")
        }
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["LEANCLOUD_APP_PORT": "70000"]))
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_AUDIT_TEXT": "some"])) { error in
            XCTAssertTrue(String(describing: error).contains("full, hash or none"), "\(error)")
        }
        XCTAssertThrowsError(try ServerConfiguration.load(file: file.path + ".missing", environment: [:]))
    }
}

/// The admin API has its own token, never the hook key (README, "Admin API").
final class AdminTokenConfigurationTests: XCTestCase {
    func testAdminTokenMustNotBeAnAppSecret() async throws {
        for (name, secret) in [
            ("LEANCLOUD_APP_HOOK_KEY", TestSecrets.hookKey), ("LEANCLOUD_APP_KEY", TestSecrets.appKey),
            ("LEANCLOUD_APP_MASTER_KEY", TestSecrets.masterKey), ("LEANCLOUD_APP_ID", TestSecrets.appId),
        ] {
            let configuration = try makeConfiguration(secured: true, adminToken: secret)
            XCTAssertThrowsError(try configuration.checkAdminToken(), name) { error in
                XCTAssertTrue(String(describing: error).contains(name), "\(error)")
            }
            await assertThrowsAsync(try await PushComposeServer(configuration: configuration, logger: testLogger), name)
        }
        XCTAssertNoThrow(try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken).checkAdminToken())
        XCTAssertNoThrow(try makeConfiguration(secured: true, adminToken: "").checkAdminToken())
    }
}
