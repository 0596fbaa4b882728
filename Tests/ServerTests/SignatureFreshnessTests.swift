import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// An `X-LC-Sign` is admitted only near the time it was made, so a captured one expires.
final class SignatureFreshnessTests: XCTestCase {
    private static let minute = 60_000

    private static var nowMilliseconds: Int { Int(Date().timeIntervalSince1970 * 1000) }

    /// The headers of a hook signed at `timestamp` (with the master key when `master`).
    private static func signed(_ timestamp: String, master: Bool = false) -> HTTPFields {
        let key = master ? TestSecrets.masterKey : TestSecrets.appKey
        let sign = "\(md5Hex(timestamp + key)),\(timestamp)" + (master ? ",master" : "")
        return [Header.lcId: TestSecrets.appId, Header.lcSign: sign, Header.hookKey: TestSecrets.hookKey]
    }

    private static func status(_ server: TestServer, _ timestamp: String, master: Bool = false) async throws -> HTTPResponse.Status {
        try await server.call("_clientOnline", json: ["peerId": "Jerry"], headers: signed(timestamp, master: master)).status
    }

    func testSignaturesOutsideTheDefaultWindowAreRefusedInBothDirections() async throws {
        XCTAssertEqual(ServerConfiguration().signatureWindowSeconds, 900)
        try await withServer(try makeConfiguration(secured: true)) { server in
            let now = Self.nowMilliseconds
            for (name, timestamp) in [("now", now), ("14 minutes ago", now - 14 * Self.minute), ("in 14 minutes", now + 14 * Self.minute)] {
                let status = try await Self.status(server, String(timestamp))
                XCTAssertEqual(status, .ok, name)
                let master = try await Self.status(server, String(timestamp), master: true)
                XCTAssertEqual(master, .ok, "\(name), master")
            }
            let refused = [
                ("16 minutes ago", String(now - 16 * Self.minute)), ("in 16 minutes", String(now + 16 * Self.minute)),
                ("2001", "978307200000"), ("2023", "1700000000123"), ("zero", "0"), ("500 digits", String(repeating: "1", count: 500)),
                ("seconds, not milliseconds", String(now / 1000)),
            ]
            for (name, timestamp) in refused {
                let status = try await Self.status(server, timestamp)
                XCTAssertEqual(status, .unauthorized, name)
                let master = try await Self.status(server, timestamp, master: true)
                XCTAssertEqual(master, .unauthorized, "\(name), master")
            }
        }
    }

    func testTheWindowIsConfigurable() async throws {
        var configuration = try makeConfiguration(secured: true)
        configuration.signatureWindowSeconds = 60
        try await withServer(configuration) { server in
            let now = Self.nowMilliseconds
            let recent = try await Self.status(server, String(now - 30_000))
            XCTAssertEqual(recent, .ok)
            let old = try await Self.status(server, String(now - 2 * Self.minute))
            XCTAssertEqual(old, .unauthorized)
        }
    }

    func testAWindowOfZeroAdmitsAnyTimeButNotAbsurdTimestamps() async throws {
        var configuration = try makeConfiguration(secured: true)
        configuration.signatureWindowSeconds = 0
        try await withServer(configuration) { server in
            for timestamp in ["978307200000", "0", "1700000000123"] {
                let status = try await Self.status(server, timestamp)
                XCTAssertEqual(status, .ok, timestamp)
            }
            for timestamp in [String(repeating: "1", count: 500), String(repeating: "9", count: 17), "+1700000000123", "-1", "1700000000.5", "", " 1700000000123", "１７００"] {
                let status = try await Self.status(server, timestamp)
                XCTAssertEqual(status, .unauthorized, timestamp)
            }
        }
    }
}
