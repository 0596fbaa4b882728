import Crypto
import Foundation
@testable import Server
import XCTest

/// `auditText: hash` is an HMAC-SHA256 under a secret key, so a short text cannot be
/// recovered by hashing candidates: the configured key, else one kept in the data directory.
final class AuditHashKeyTests: XCTestCase {
    static let secret = "PIN 4321"

    private func hashConfiguration(data: URL? = nil, key: String = "") throws -> ServerConfiguration {
        var configuration = try makeConfiguration(secured: true, data: data)
        configuration.auditText = .hash
        configuration.auditKey = key
        return configuration
    }

    /// The `textHMAC` of one call with `secret` as its text.
    private func textHMAC(_ configuration: ServerConfiguration) async throws -> String {
        try await withServer(configuration) { server in
            _ = try await server.receiversOffline(HookBody.receiversOffline(content: HookBody.text(Self.secret)))
            let records = try await server.auditRecords()
            let record = try XCTUnwrap(records.last)
            XCTAssertNil(record["text"])
            return try XCTUnwrap(record["textHMAC"]?.stringValue)
        }
    }

    func testWithoutAConfiguredKeyOneIsGeneratedKeptAndReusedAfterARestart() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let first = try await textHMAC(try hashConfiguration(data: data))

        let keyFile = data.appendingPathComponent("audit.key")
        let key = try String(contentsOf: keyFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        XCTAssertNotNil(key.range(of: "^[0-9a-f]{64}$", options: .regularExpression), "32 random bytes in hex: \(key.count) characters")
        let permissions = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int)
        XCTAssertEqual(permissions, 0o600)
        XCTAssertEqual(first, hmacHex(Self.secret, key: key))
        XCTAssertNotEqual(first, sha256Hex(Self.secret))

        let second = try await textHMAC(try hashConfiguration(data: data))
        XCTAssertEqual(second, first, "the same text hashes the same after a restart")
        XCTAssertEqual(try String(contentsOf: keyFile, encoding: .utf8).trimmingCharacters(in: .newlines), key)
    }

    func testDifferentKeysGiveDifferentHashes() async throws {
        let one = try await textHMAC(try hashConfiguration(key: "first-configured-key"))
        let other = try await textHMAC(try hashConfiguration(key: "second-configured-key"))
        XCTAssertEqual(one, hmacHex(Self.secret, key: "first-configured-key"))
        XCTAssertEqual(other, hmacHex(Self.secret, key: "second-configured-key"))
        XCTAssertNotEqual(one, other)
    }

    func testAConfiguredKeyIsUsedAndNoneIsKept() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        _ = try await textHMAC(try hashConfiguration(data: data, key: "first-configured-key"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.appendingPathComponent("audit.key").path))
    }

    func testOtherModesWithoutTheChainKeepNoKey() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        var configuration = try makeConfiguration(data: data)
        configuration.auditText = .none
        configuration.auditChain = false
        try await withServer(configuration) { server in _ = try await server.receiversOffline() }
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.appendingPathComponent("audit.key").path))
    }

    func testTheChainKeepsAKeyInEveryMode() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        var configuration = try makeConfiguration(data: data)
        configuration.auditText = .none
        try await withServer(configuration) { server in _ = try await server.receiversOffline() }
        XCTAssertTrue(FileManager.default.fileExists(atPath: data.appendingPathComponent("audit.key").path))
    }

    func testAShortConfiguredKeyIsRefusedWithoutBeingShown() {
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_AUDIT_KEY": "short-secret"])) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("auditKey (PUSHCOMPOSE_AUDIT_KEY)"), message)
            XCTAssertTrue(message.contains("16"), message)
            XCTAssertFalse(message.contains("short-secret"), message)
        }
        XCTAssertEqual(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_AUDIT_KEY": "long-enough-secret"]).auditKey, "long-enough-secret")
    }

    func testAnEmptyKeptKeyStopsTheStartWithWhatToDo() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data().write(to: data.appendingPathComponent("audit.key"))
        await assertThrowsAsync(try await PushComposeServer(configuration: try hashConfiguration(data: data), logger: testLogger)) { error in
            XCTAssertTrue("\(error)".contains("audit.key"), "\(error)")
            XCTAssertTrue("\(error)".contains("delete it"), "\(error)")
        }
    }
}

/// HMAC-SHA256 of `text` under the UTF-8 of `key`, in hex: computed here independently.
func hmacHex(_ text: String, key: String) -> String {
    hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(key.utf8))))
}
