import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// docs/hook-protocol.md, "Who may call": app identity, the master key, signatures, the hook key.
final class AuthenticationTests: XCTestCase {
    static let unauthorized = #"{"code":401,"error":"Unauthorized."}"#

    /// Calls `_receiversOffline` with `headers` (plus the hook key unless told otherwise).
    private static func hook(_ server: TestServer, _ headers: HTTPFields, hookKey: String? = TestSecrets.hookKey) async throws -> TestResponse {
        var headers = headers
        if let hookKey { headers[Header.hookKey] = hookKey }
        return try await server.call("_receiversOffline", json: HookBody.seed, headers: headers)
    }

    private static func assertAdmitted(_ response: TestResponse, _ message: String, line: UInt = #line) throws {
        XCTAssertEqual(response.status, .ok, "\(message): \(response.text)", line: line)
        XCTAssertEqual(try pushMessage(of: try XCTUnwrap(response.json["result"]))["alert"], .string("Tom: Holy crap!"), message, line: line)
    }

    private static func assertUnauthorized(_ response: TestResponse, _ message: String, line: UInt = #line) {
        XCTAssertEqual(response.status, .unauthorized, message, line: line)
        XCTAssertEqual(response.headers[.contentType], "application/json", message, line: line)
        XCTAssertEqual(response.text, unauthorized, message, line: line)
    }

    func testAdmitsTheAppKeyAndTheMasterKeyInEveryHeaderForm() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let admitted: [(String, HTTPFields)] = [
                ("X-LC-Id + X-LC-Key", [Header.lcId: TestSecrets.appId, Header.lcKey: TestSecrets.appKey]),
                ("X-LC-Key <masterKey>,master", [Header.lcId: TestSecrets.appId, Header.lcKey: "\(TestSecrets.masterKey),master"]),
                ("X-LC-Key = master key", [Header.lcId: TestSecrets.appId, Header.lcKey: TestSecrets.masterKey]),
                ("X-AVOSCloud-Application-Id/Key", [Header.avosId: TestSecrets.appId, Header.avosKey: TestSecrets.appKey]),
                ("X-Uluru-Application-Id/Key", [Header.uluruId: TestSecrets.appId, Header.uluruKey: TestSecrets.appKey]),
                ("X-AVOSCloud-Master-Key", [Header.avosId: TestSecrets.appId, Header.avosMaster: TestSecrets.masterKey]),
                ("X-Uluru-Master-Key", [Header.uluruId: TestSecrets.appId, Header.uluruMaster: TestSecrets.masterKey]),
                ("X-LC-Id + X-AVOSCloud-Application-Key", [Header.lcId: TestSecrets.appId, Header.avosKey: TestSecrets.appKey]),
            ]
            for (name, headers) in admitted {
                try Self.assertAdmitted(try await Self.hook(server, headers), name)
            }
        }
    }

    func testAdmitsSignatures() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let timestamp = String(Int(Date().timeIntervalSince1970 * 1000))
            let appSign = "\(md5Hex(timestamp + TestSecrets.appKey)),\(timestamp)"
            let masterSign = "\(md5Hex(timestamp + TestSecrets.masterKey)),\(timestamp),master"
            let admitted: [(String, HTTPFields)] = [
                ("X-LC-Sign app key", [Header.lcId: TestSecrets.appId, Header.lcSign: appSign]),
                ("X-LC-Sign master key", [Header.lcId: TestSecrets.appId, Header.lcSign: masterSign]),
                ("X-AVOSCloud-Request-Sign", [Header.avosId: TestSecrets.appId, Header.avosSign: appSign]),
            ]
            for (name, headers) in admitted {
                try Self.assertAdmitted(try await Self.hook(server, headers), name)
            }
        }
    }

    func testRefusesWrongIdKeyOrSignatureAndMissingHeaders() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let timestamp = "1700000000123"
            let refused: [(String, HTTPFields)] = [
                ("no headers", [:]),
                ("wrong id", [Header.lcId: "other-app", Header.lcKey: TestSecrets.appKey]),
                ("no id", [Header.lcKey: TestSecrets.appKey]),
                ("wrong key", [Header.lcId: TestSecrets.appId, Header.lcKey: "not-the-key"]),
                ("key a prefix of the app key", [Header.lcId: TestSecrets.appId, Header.lcKey: String(TestSecrets.appKey.dropLast())]),
                ("no key", [Header.lcId: TestSecrets.appId]),
                ("app key with ,master", [Header.lcId: TestSecrets.appId, Header.lcKey: "\(TestSecrets.appKey),master"]),
                ("hook key as app key", [Header.lcId: TestSecrets.appId, Header.lcKey: TestSecrets.hookKey]),
                ("wrong master key header", [Header.lcId: TestSecrets.appId, Header.avosMaster: "not-the-master-key"]),
                // The first key header present wins: a wrong X-LC-Key is not saved by a right legacy one.
                ("wrong first key", [Header.lcId: TestSecrets.appId, Header.lcKey: "nope", Header.avosKey: TestSecrets.appKey]),
                ("wrong signature", [Header.lcId: TestSecrets.appId, Header.lcSign: "\(md5Hex(timestamp + "guess")),\(timestamp)"]),
                ("signature of another timestamp", [Header.lcId: TestSecrets.appId, Header.lcSign: "\(md5Hex("1" + TestSecrets.appKey)),\(timestamp)"]),
                ("app-key signature claiming master", [Header.lcId: TestSecrets.appId, Header.lcSign: "\(md5Hex(timestamp + TestSecrets.appKey)),\(timestamp),master"]),
                ("master signature without ,master", [Header.lcId: TestSecrets.appId, Header.lcSign: "\(md5Hex(timestamp + TestSecrets.masterKey)),\(timestamp)"]),
                ("malformed signature", [Header.lcId: TestSecrets.appId, Header.lcSign: "garbage"]),
            ]
            for (name, headers) in refused {
                Self.assertUnauthorized(try await Self.hook(server, headers), name)
            }
            // Still serving.
            try Self.assertAdmitted(try await server.call("_receiversOffline", json: HookBody.seed), "after refusals")
        }
    }

    func testRealtimeHooksNeedTheHookKey() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let app: HTTPFields = [Header.lcId: TestSecrets.appId, Header.lcKey: TestSecrets.appKey]
            let master: HTTPFields = [Header.lcId: TestSecrets.appId, Header.lcKey: "\(TestSecrets.masterKey),master"]
            for (name, headers) in [("app key", app), ("master key", master)] {
                Self.assertUnauthorized(try await Self.hook(server, headers, hookKey: nil), "\(name), no hook key")
                Self.assertUnauthorized(try await Self.hook(server, headers, hookKey: "wrong-hook-key"), "\(name), wrong hook key")
                Self.assertUnauthorized(try await Self.hook(server, headers, hookKey: TestSecrets.appKey), "\(name), app key as hook key")
                Self.assertUnauthorized(try await Self.hook(server, headers, hookKey: TestSecrets.hookKey + "x"), "\(name), longer hook key")
            }
            for function in ["_conversationUpdate", "_clientOnline", "_clientOffline"] {
                let response = try await server.call(function, json: ["initBy": "a", "convId": "c", "mute": true, "peerId": "a"], headers: app)
                Self.assertUnauthorized(response, "\(function) without hook key")
            }
            // Nothing was recorded from the refused mute.
            XCTAssertFalse(server.server.service.registry.hasMuted(client: "a", conversation: "c"))
        }
    }

    /// The official host checks the hook key of every realtime hook name before looking the
    /// function up, so a caller without it learns nothing about which hooks are defined.
    func testRealtimeHookNamesAnswer401WithoutTheHookKeyDefinedOrNot() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let app: HTTPFields = [Header.lcId: TestSecrets.appId, Header.lcKey: TestSecrets.appKey]
            for name in RealtimeHookNames.all {
                for (label, hookKey) in [("no hook key", nil), ("wrong hook key", "wrong-hook-key")] as [(String, String?)] {
                    var headers = app
                    if let hookKey { headers[Header.hookKey] = hookKey }
                    Self.assertUnauthorized(try await server.call(name, json: [:], headers: headers), "\(name), \(label)")
                }
                let withKey = try await server.call(name, json: ["peerId": "Jerry", "initBy": "Jerry", "convId": "c"])
                if HookService.functions.contains(name) {
                    XCTAssertNotEqual(withKey.status, .notFound, name)
                } else {
                    XCTAssertEqual(withKey.status, .notFound, name)
                    XCTAssertEqual(withKey.text, #"{"code":404,"error":"cloud func named '\#(name)' not found."}"#)
                }
            }
            // A name that is no realtime hook needs no hook key to be told it does not exist.
            let other = try await server.call("_nope", json: [:], headers: app)
            XCTAssertEqual(other.status, .notFound)
        }
    }

    func testTheRealtimeHookListIsTheOfficialHosts() {
        XCTAssertEqual(RealtimeHookNames.all.sorted(), [
            "_clientOffline", "_clientOnline", "_conversationAdd", "_conversationAdded", "_conversationRemove",
            "_conversationRemoved", "_conversationStart", "_conversationStarted", "_conversationUpdate",
            "_messageReceived", "_messageSent", "_messageUpdate", "_receiversOffline", "_rtmClientSign",
        ])
        for function in HookService.functions {
            XCTAssertTrue(RealtimeHookNames.all.contains(function), function)
        }
    }

    func testMetadatasAnswersOnlyTheMasterKey() async throws {
        let expected = #"{"result":["_receiversOffline","_conversationUpdate","_clientOnline","_clientOffline"]}"#
        try await withServer(try makeConfiguration(secured: true)) { server in
            let masterForms: [HTTPFields] = [
                [Header.lcId: TestSecrets.appId, Header.lcKey: "\(TestSecrets.masterKey),master"],
                [Header.avosId: TestSecrets.appId, Header.avosMaster: TestSecrets.masterKey],
            ]
            for prefix in FunctionRoutes.prefixes {
                for headers in masterForms {
                    let response = try await server.client.execute(uri: "\(prefix)/_ops/metadatas", method: .post, headers: headers, body: jsonBody([:]))
                    XCTAssertEqual(response.status, .ok, prefix)
                    XCTAssertEqual(response.headers[.contentType], "application/json")
                    XCTAssertEqual(response.text, expected, prefix)
                }
                let app = try await server.client.execute(
                    uri: "\(prefix)/_ops/metadatas", method: .post, headers: [Header.lcId: TestSecrets.appId, Header.lcKey: TestSecrets.appKey, Header.hookKey: TestSecrets.hookKey],
                    body: jsonBody([:]))
                Self.assertUnauthorized(app, "\(prefix): app key")
                let none = try await server.client.execute(uri: "\(prefix)/_ops/metadatas", method: .post, body: jsonBody([:]))
                Self.assertUnauthorized(none, "\(prefix): no headers")
            }
        }
    }

    func testUnsecuredModeAdmitsWithoutHeaders() async throws {
        let configuration = try makeConfiguration(secured: false)
        XCTAssertNil(try configuration.secrets())
        try await withServer(configuration) { server in
            XCTAssertFalse(server.server.secured)
            let response = try await server.call("_receiversOffline", json: HookBody.seed, headers: [:])
            try Self.assertAdmitted(response, "no headers, unsecured")
            let update = try await server.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": true], headers: [:])
            XCTAssertEqual(update.text, #"{"result":{}}"#)
            let metadatas = try await server.client.execute(uri: "/1.1/functions/_ops/metadatas", method: .post, body: jsonBody([:]))
            XCTAssertEqual(metadatas.status, .ok)
        }
    }
}
