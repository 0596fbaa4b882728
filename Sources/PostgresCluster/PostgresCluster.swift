import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away PostgreSQL cluster: `initdb` in a temporary directory, the server on a
/// free loopback port, removed by `stop()`. Tests and bench/ start their own, so nothing
/// needs a database that is already running. The server's programs are found through
/// `PUSHCOMPOSE_PG_BIN`, `pg_config --bindir`, or Debian's `/usr/lib/postgresql/N/bin`.
///
/// PostgreSQL refuses to run as root; run as root (CI, containers), the cluster runs as
/// the `postgres` user that Debian's package creates.
public final class PostgresCluster: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The cluster's superuser, trusted on loopback without a password.
    public static let user = "pushcompose"

    public let port: Int
    public let directory: URL
    private let binaries: URL
    private let runAs: String?

    /// A certificate and its key, PEM, for a server that offers TLS.
    public struct ServerCertificate: Sendable {
        public var certificatePEM: String
        public var privateKeyPEM: String

        public init(certificatePEM: String, privateKeyPEM: String) {
            self.certificatePEM = certificatePEM
            self.privateKeyPEM = privateKeyPEM
        }
    }

    /// `durable` false turns fsync off: for tests, where a power loss does not matter.
    /// The cluster's files go in a new directory under `parent`. With `tls`, the server
    /// offers TLS with that certificate (and still accepts connections without).
    public init(
        durable: Bool = false, maxConnections: Int = 200, parent: URL = FileManager.default.temporaryDirectory, tls: ServerCertificate? = nil
    ) throws {
        binaries = try Self.findBinaries()
        runAs = geteuid() == 0 ? "postgres" : nil
        directory = parent.appendingPathComponent("pushcompose-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if let runAs { try Self.run("/bin/chown", [runAs, directory.path]) }
        port = try Self.freePort()
        let data = directory.appendingPathComponent("data").path
        try run("initdb", ["-D", data, "-U", Self.user, "--auth=trust", "-E", "UTF8", "--locale=C", "-N"])
        var settings = [
            "-p \(port)", "-k \(directory.path)", "-c listen_addresses=127.0.0.1", "-c max_connections=\(maxConnections)",
        ]
        if !durable { settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"] }
        if let tls {
            let certificate = directory.appendingPathComponent("server.crt")
            let key = directory.appendingPathComponent("server.key")
            try tls.certificatePEM.write(to: certificate, atomically: true, encoding: .utf8)
            try tls.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
            // The server refuses a key that others may read.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
            if let runAs { try Self.run("/bin/chown", [runAs, certificate.path, key.path]) }
            settings += ["-c ssl=on", "-c ssl_cert_file=\(certificate.path)", "-c ssl_key_file=\(key.path)"]
        }
        try run("pg_ctl", ["-D", data, "-o", settings.joined(separator: " "), "-l", directory.appendingPathComponent("log").path, "-w", "-t", "60", "start"])
    }

    /// Creates an empty database, named or with a fresh name; returns its URL.
    @discardableResult
    public func createDatabase(_ name: String = "test_" + UUID().uuidString.prefix(12).lowercased()) throws -> String {
        try run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", Self.user, name])
        return url(database: name)
    }

    public func url(database: String) -> String {
        "postgres://\(Self.user)@127.0.0.1:\(port)/\(database)"
    }

    /// Stops the server at once and removes its files.
    public func stop() {
        _ = try? run("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// One cluster for a whole test process, started at first use and stopped when the
    /// process exits. Each test makes its own database in it.
    public static func shared() throws -> PostgresCluster {
        try SharedCluster.cluster.get()
    }

    private enum SharedCluster {
        static let cluster: Result<PostgresCluster, any Error> = {
            let result = Result { try PostgresCluster() }
            if case .success = result { atexit { if case .success(let cluster) = SharedCluster.cluster { cluster.stop() } } }
            return result
        }()
    }

    private func run(_ program: String, _ arguments: [String]) throws {
        let path = binaries.appendingPathComponent(program).path
        if let runAs {
            try Self.run("/usr/sbin/runuser", ["-u", runAs, "--", path] + arguments)
        } else {
            try Self.run(path, arguments)
        }
    }

    /// Runs a program to its end with posix_spawn and waitpid: Foundation's `Process`
    /// can miss the exit of a child whose own child (the server `pg_ctl` starts) lives
    /// on. Output goes to a file, not a pipe, which that server would hold open.
    private static func run(_ path: String, _ arguments: [String]) throws {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("pushcompose-pg-output-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "cannot run \(path): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw Failure(description: "waitpid for \(path) failed: \(errno)") }
        }
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
            throw Failure(description: "\(path) \(arguments.joined(separator: " ")) failed (status \(status)):\n\(text)")
        }
    }

    private static func findBinaries() throws -> URL {
        let fileManager = FileManager.default
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["PUSHCOMPOSE_PG_BIN"] { candidates.append(configured) }
        let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        candidates += ["/usr/local/pgsql/bin", "/usr/local/bin", "/usr/bin"]
        for directory in candidates where fileManager.isExecutableFile(atPath: directory + "/initdb") && fileManager.isExecutableFile(atPath: directory + "/pg_ctl") {
            return URL(fileURLWithPath: directory)
        }
        throw Failure(
            description: "no PostgreSQL server programs (initdb, pg_ctl) found in \(candidates.joined(separator: ", ")); install Debian's postgresql package or set PUSHCOMPOSE_PG_BIN")
    }

    /// A loopback port nobody listens on now.
    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket() failed: \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "bind() to a free port failed: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
