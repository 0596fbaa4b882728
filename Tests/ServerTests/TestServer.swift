import AuditLog
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
@testable import Server
import XCTest

/// The secrets a secured test server is configured with.
enum TestSecrets {
    static let appId = "test-app-id-0001"
    static let appKey = "test-app-key-0002"
    static let masterKey = "test-master-key-0003"
    static let hookKey = "test-hook-key-0004"
    static let adminToken = "test-admin-token-0005"
}

/// Header names the hook protocol uses.
enum Header {
    static func name(_ text: String) -> HTTPField.Name { HTTPField.Name(text)! }
    static let lcId = name("X-LC-Id")
    static let lcKey = name("X-LC-Key")
    static let lcSign = name("X-LC-Sign")
    static let hookKey = name("X-LC-Hook-Key")
    static let avosId = name("X-AVOSCloud-Application-Id")
    static let avosKey = name("X-AVOSCloud-Application-Key")
    static let avosMaster = name("X-AVOSCloud-Master-Key")
    static let avosSign = name("X-AVOSCloud-Request-Sign")
    static let uluruId = name("X-Uluru-Application-Id")
    static let uluruKey = name("X-Uluru-Application-Key")
    static let uluruMaster = name("X-Uluru-Master-Key")

    /// What the IM server sends with a realtime hook: app id, app key and hook key.
    static var hook: HTTPFields {
        [lcId: TestSecrets.appId, lcKey: TestSecrets.appKey, hookKey: TestSecrets.hookKey]
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
    static var admin: HTTPFields { bearer(TestSecrets.adminToken) }
}

/// The repository's directories, found from this file's path.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ServerTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
    static let templates = root.appendingPathComponent("templates")
}

let testLogger: Logger = {
    var logger = Logger(label: "pushcompose-tests")
    logger.logLevel = .critical
    return logger
}()

extension XCTestCase {
    /// A fresh empty directory, removed when the test ends.
    func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("pushcompose-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A configuration on port 0 with the shipped templates and a fresh data directory;
    /// `secured` sets the four app secrets.
    func makeConfiguration(secured: Bool = false, adminToken: String = "", data: URL? = nil) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.templates = Repository.templates.path
        configuration.data = try (data ?? makeTemporaryDirectory().appendingPathComponent("data")).path
        configuration.adminToken = adminToken
        if secured {
            configuration.appId = TestSecrets.appId
            configuration.appKey = TestSecrets.appKey
            configuration.masterKey = TestSecrets.masterKey
            configuration.hookKey = TestSecrets.hookKey
        }
        return configuration
    }

    /// A copy of the shipped templates in a fresh directory, to edit.
    func copyOfShippedTemplates() throws -> URL {
        let directory = try makeTemporaryDirectory().appendingPathComponent("templates")
        try FileManager.default.copyItem(at: Repository.templates, to: directory)
        return directory
    }
}

/// Runs a real server (real SQLite, real audit files, real socket) for the duration of `body`.
func withServer<Value: Sendable>(
    _ configuration: ServerConfiguration, _ body: @Sendable (TestServer) async throws -> Value
) async throws -> Value {
    let server = try await PushComposeServer(configuration: configuration, logger: testLogger)
    // The admin listener, when configured, reports its port once it is bound.
    let adminPort = configuration.adminPort.map { _ in MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Int.self) }
    let application = try server.makeApplication(onAdminServerRunning: { channel in
        adminPort?.succeed(channel.localAddress?.port ?? 0)
    })
    do {
        let value = try await application.test(.live) { client in
            try await body(TestServer(server: server, client: client, adminPort: try await adminPort?.futureResult.get()))
        }
        await server.storage.close()
        return value
    } catch {
        await server.storage.close()
        throw error
    }
}

/// A running server and a client connected to it.
struct TestServer: Sendable {
    let server: PushComposeServer
    let client: any TestClientProtocol
    /// The admin listener's port, when it has one of its own.
    var adminPort: Int? = nil

    var audit: JSONLinesAuditLog { server.audit }
    /// The port the hook listener is bound to, for raw connections.
    var port: Int { client.port! }
    var configuration: ServerConfiguration { server.configuration }

    /// The headers the IM server sends with a hook: the app's and the hook key when the
    /// server is secured, none when it is not.
    var hookHeaders: HTTPFields { server.secured ? Header.hook : [:] }

    /// Calls a cloud function; `headers` nil means `hookHeaders`.
    func call(
        _ function: String, body: ByteBuffer, prefix: String = "/1.1/functions", headers: HTTPFields? = nil
    ) async throws -> TestResponse {
        try await client.execute(uri: "\(prefix)/\(function)", method: .post, headers: headers ?? hookHeaders, body: body)
    }

    func call(
        _ function: String, json: [String: Any], prefix: String = "/1.1/functions", headers: HTTPFields? = nil
    ) async throws -> TestResponse {
        try await call(function, body: jsonBody(json), prefix: prefix, headers: headers)
    }

    /// Calls `_receiversOffline` with a good body and returns the decoded `result`.
    func receiversOffline(_ hook: [String: Any] = HookBody.seed, prefix: String = "/1.1/functions") async throws -> JSON {
        let response = try await call("_receiversOffline", json: hook, prefix: prefix)
        XCTAssertEqual(response.status, .ok, "body: \(String(buffer: response.body))")
        let result = try decodeJSON(response.body)["result"]
        return try XCTUnwrap(result, "no result in \(String(buffer: response.body))")
    }

    /// An admin API request, with the configured admin token unless `headers` says otherwise.
    func admin(
        _ method: HTTPRequest.Method, _ path: String, json: [String: Any]? = nil, headers: HTTPFields? = nil
    ) async throws -> TestResponse {
        try await client.execute(
            uri: path, method: method, headers: headers ?? Header.bearer(configuration.adminToken),
            body: json.map(jsonBody))
    }

    /// One request on a connection of its own to `port` (the hook listener's by default).
    func onNewConnection(
        _ method: HTTPRequest.Method, _ path: String, port: Int? = nil, headers: HTTPFields = [:], body: ByteBuffer? = nil
    ) async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: port ?? self.port) { client in
            try await client.execute(TestClient.Request(path, method: method, authority: "localhost", headers: headers, body: body))
        }
    }

    /// Every audit record written so far, in order.
    func auditRecords() async throws -> [JSON] {
        await audit.flush()
        return try readAuditRecords(in: audit.directory)
    }
}

/// Hook bodies.
enum HookBody {
    /// The seed's example: Tom to Jerry, a typed text message.
    static var seed: [String: Any] { receiversOffline(content: #"{"_lctext":"Holy crap!","_lctype":-1}"#) }

    static func receiversOffline(
        from: String = "Tom", conversation: String = "conv-1", to peers: [String] = ["Jerry"], content: String,
        mentionAll: Bool = false, mentioned: [String] = []
    ) -> [String: Any] {
        [
            "fromPeer": from, "convId": conversation, "offlinePeers": peers, "content": content,
            "timestamp": 1_700_000_000_000, "mentionAll": mentionAll, "mentionOfflinePeers": mentioned,
        ]
    }

    /// A typed text message's content, `{"_lctext": text, "_lctype": -1}`.
    static func text(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: ["_lctext": text, "_lctype": -1], options: [.sortedKeys]), as: UTF8.self)
    }
}

func jsonBody(_ object: [String: Any]) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
}

func decodeJSON(_ buffer: ByteBuffer) throws -> JSON {
    try JSONDecoder().decode(JSON.self, from: Data(buffer.readableBytesView))
}

func decodeJSON(_ text: String) throws -> JSON {
    try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
}

/// The payload a `_receiversOffline` answer carries, decoded from its `pushMessage` string.
func pushMessage(of result: JSON) throws -> JSON {
    let text = try XCTUnwrap(result["pushMessage"]?.stringValue, "no pushMessage string in \(result)")
    return try decodeJSON(text)
}

/// Every record of the directory's audit files, plain or compressed, stream by stream,
/// each in the order written.
func readAuditRecords(in directory: URL) throws -> [JSON] {
    var records: [JSON] = []
    for (_, files) in try AuditDirectory(url: directory).streams().sorted(by: { $0.key < $1.key }) {
        for file in files {
            var reader = try AuditLineReader(url: file.url)
            defer { reader.close() }
            while let line = try reader.next() { records.append(try decodeJSON(String(decoding: line.bytes, as: UTF8.self))) }
        }
    }
    return records
}

/// The raw audit lines, to search for text.
func readAuditLines(in directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path)
        .filter { $0.hasPrefix("audit-") && $0.hasSuffix(".jsonl") }
        .sorted()
        .flatMap { file in
            try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").map(String.init)
        }
}

func hex(_ digest: some Sequence<UInt8>) -> String {
    digest.map { String(format: "%02x", $0) }.joined()
}

func md5Hex(_ text: String) -> String { hex(Insecure.MD5.hash(data: Data(text.utf8))) }
func sha256Hex(_ text: String) -> String { hex(SHA256.hash(data: Data(text.utf8))) }

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: JSON { get throws { try decodeJSON(body) } }
}

/// A decoded JSON value, for assertions (independent of the code under test).
enum JSON: Equatable, Sendable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let b = try? single.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? single.decode(Double.self) {
            self = .number(n)
        } else if let s = try? single.decode(String.self) {
            self = .string(s)
        } else if let a = try? single.decode([JSON].self) {
            self = .array(a)
        } else {
            self = .object(try single.decode([String: JSON].self))
        }
    }

    subscript(key: String) -> JSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    subscript(index: Int) -> JSON? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var arrayValue: [JSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    var numberValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    var keys: [String]? {
        if case .object(let members) = self { return members.keys.sorted() }
        return nil
    }

    var stringArray: [String]? { arrayValue?.compactMap(\.stringValue) }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(let n): return "\(n)"
        case .string(let s): return "\"\(s)\""
        case .array(let items): return "[" + items.map(\.description).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        }
    }
}

/// `XCTAssertThrowsError` for an async expression (the server starts asynchronously).
func assertThrowsAsync<T>(
    _ expression: @autoclosure () async throws -> T, _ message: String = "", file: StaticString = #filePath, line: UInt = #line,
    _ handler: (any Error) -> Void = { _ in }
) async {
    do {
        _ = try await expression()
        XCTFail("no error was thrown \(message)", file: file, line: line)
    } catch {
        handler(error)
    }
}
