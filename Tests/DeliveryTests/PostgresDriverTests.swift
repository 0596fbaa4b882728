import Delivery
import Foundation
import Logging
import PostgresCluster
@testable import PostgresStorage
import ProviderStandIns
import PushCompose
import Storage
import Synchronization
import XCTest

/// What only the PostgreSQL driver does: its URL, migrations shared by instances
/// starting together, and the feed that carries changes and work between instances.
final class PostgresDriverTests: XCTestCase {
    func testTheURLIsReadAsLibpqReadsIt() throws {
        let full = try PostgresURL("postgres://push%40er:p%3Ass@db.example.com:6432/pushes?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        XCTAssertEqual(full.username, "push@er")
        XCTAssertEqual(full.password, "p:ss")
        XCTAssertEqual(full.host, "db.example.com")
        XCTAssertEqual(full.port, 6432)
        XCTAssertEqual(full.database, "pushes")
        XCTAssertEqual(full.tls, .verifyFull)
        XCTAssertEqual(full.rootCertificateFile, "/etc/ca.pem")
        let short = try PostgresURL("postgresql://pushcompose@localhost")
        XCTAssertEqual(short.port, 5432)
        XCTAssertEqual(short.database, "pushcompose", "without a database, the user's name")
        XCTAssertEqual(short.tls, .prefer)
        XCTAssertNil(short.password)
        for (bad, named) in [
            ("mysql://u@h/d", "must look like"), ("postgres://h/d", "names no user"), ("postgres://u@h/d?sslmode=always", "sslmode"),
            ("postgres://u@h/d?timeout=3", "unknown parameter 'timeout'"),
        ] {
            XCTAssertThrowsError(try PostgresURL(bad), bad) { XCTAssertTrue("\($0)".contains(named), "\($0)") }
        }
        XCTAssertEqual(PostgresURL.redacted("postgres://u:secret@h/d"), "postgres://u:***@h/d")
        XCTAssertThrowsError(try PostgresURL("postgres://u:secret@h/d?sslmode=x")) { XCTAssertFalse("\($0)".contains("secret"), "\($0)") }
    }

    /// Four instances starting at once on an empty database: each opens, the schema is
    /// made once.
    func testInstancesStartingTogetherMigrateOnce() async throws {
        let url = try PostgresTestDatabase.url()
        let databases = try await withThrowingTaskGroup(of: PostgresDatabase.self) { group in
            for index in 0..<4 {
                group.addTask { try await PostgresDatabase.open(url: url, maxConnections: 2, logger: Logger(label: "test.\(index)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let again = try await databases[0].migrate()
        XCTAssertEqual(again, [], "nothing is left to apply")
        let applied = try await databases[0].appliedMigrations()
        XCTAssertEqual(applied.map(\.version), PostgresMigrations.all.map(\.version), "each migration recorded once")
        for database in databases { await database.close() }
    }

    /// A change or work announced by one instance reaches the other, not itself; the
    /// feed starts with `.resynchronize`.
    func testTheFeedCarriesChangesAndWorkToTheOtherInstances() async throws {
        let database = try await PostgresTestDatabase.make()
        addTeardownBlock { await database.close() }
        let heard = Mutex<[ClusterEvent]>([])
        let ownHeard = Mutex<[ClusterEvent]>([])
        let listening = Task {
            try await PostgresClusterFeed(database: database, instanceId: "b").listen { event in heard.withLock { $0.append(event) } }
        }
        let ownListening = Task {
            try await PostgresClusterFeed(database: database, instanceId: "a").listen { event in ownHeard.withLock { $0.append(event) } }
        }
        defer {
            listening.cancel()
            ownListening.cancel()
        }
        let bothListen = await yield(until: { heard.withLock { !$0.isEmpty } && ownHeard.withLock { !$0.isEmpty } }, timeout: .seconds(10))
        XCTAssertTrue(bothListen)
        XCTAssertEqual(heard.withLock { $0 }, [.resynchronize])

        try await PostgresStateStore(database: database, instanceId: "a").setMuted(true, client: "Jerry", conversation: "conv-1")
        _ = try await PostgresDeviceStore(database: database, instanceId: "a")
            .register(DeviceRegistration(clientId: "Tom", address: DeviceAddress(provider: .webhook, token: "t")), now: Date())
        _ = try await PostgresDeliveryQueue(database: database, instanceId: "a")
            .enqueue([makePush(receiver: "Tom", devices: [DeviceAddress(provider: .webhook, token: "t")])], now: Date())
        try await PostgresClusterFeed(database: database, instanceId: "a").publish(.templates)
        let expected: [ClusterEvent] = [
            .resynchronize, .changed(.mute(conversation: "conv-1", client: "Jerry")), .changed(.devices(of: "Tom")), .work(.webhook),
            .changed(.templates),
        ]
        let all = await yield(until: { heard.withLock { $0.count >= expected.count } }, timeout: .seconds(10))
        XCTAssertTrue(all, "\(heard.withLock { $0 })")
        XCTAssertEqual(Set(heard.withLock { $0 }.map { "\($0)" }), Set(expected.map { "\($0)" }))
        XCTAssertEqual(ownHeard.withLock { $0 }, [.resynchronize], "an instance does not hear itself")
    }
}

extension PostgresDriverTests {
    /// A URL that asks for TLS from a server without it, or names a port nobody
    /// listens on, stops the open with the reason instead of waiting for ever.
    func testAnUnreachableOrRefusingDatabaseStopsTheOpen() async throws {
        var url = try PostgresTestDatabase.url()
        url.tls = .require
        do {
            let database = try await PostgresDatabase.open(url: url, logger: Logger(label: "test.tls"))
            await database.close()
            XCTFail("a server without TLS was accepted with sslmode=require")
        } catch {
            XCTAssertTrue("\(error)".contains("cannot connect to PostgreSQL at 127.0.0.1"), "\(error)")
        }
        url.tls = .disable
        url.port = 1
        do {
            let database = try await PostgresDatabase.open(url: url, logger: Logger(label: "test.port"))
            await database.close()
            XCTFail("nobody listens on port 1")
        } catch {
            XCTAssertTrue("\(error)".contains("cannot connect to PostgreSQL at 127.0.0.1:1"), "\(error)")
        }
    }
}

extension PostgresDriverTests {
    /// A server that offers TLS: `require` encrypts without checking, `verify-full`
    /// checks the certificate against `sslrootcert` and the host, and refuses a server
    /// it cannot verify.
    func testTLSFollowsTheURLsSSLMode() async throws {
        let authority = try TestCertificateAuthority.make()
        let cluster = try PostgresCluster(tls: .init(certificatePEM: authority.leafCertificatePEM, privateKeyPEM: authority.leafPrivateKeyPEM))
        addTeardownBlock { cluster.stop() }
        let url = try cluster.createDatabase("tls")
        let roots = try makeTemporaryDirectory().appendingPathComponent("ca.pem")
        try authority.rootPEM.write(to: roots, atomically: true, encoding: .utf8)

        for (mode, encrypted) in [("disable", false), ("require", true), ("verify-full&sslrootcert=\(roots.path)", true)] {
            let database = try await PostgresDatabase.open(url: try PostgresURL("\(url)?sslmode=\(mode)"), logger: Logger(label: "test.tls"))
            let ssl = try await database.rows("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.decode(Bool.self)
            await database.close()
            XCTAssertEqual(ssl, encrypted, mode)
        }
        do {
            let database = try await PostgresDatabase.open(url: try PostgresURL("\(url)?sslmode=verify-full"), logger: Logger(label: "test.tls"))
            await database.close()
            XCTFail("a certificate from an unknown authority was accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("cannot connect to PostgreSQL"), "\(error)")
        }
    }
}
