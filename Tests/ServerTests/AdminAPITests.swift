import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PushCompose
@testable import Server
import XCTest

/// The admin API under /v1: its own bearer token, the directory, previews.
final class AdminAPITests: XCTestCase {
    static let unauthorized = #"{"code":401,"error":"Unauthorized."}"#

    func testTokenIsRequired() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let refused: [(String, HTTPFields)] = [
                ("no token", [:]),
                ("wrong token", Header.bearer("not-the-token")),
                ("token prefix", Header.bearer(String(TestSecrets.adminToken.dropLast()))),
                ("token without Bearer", [.authorization: TestSecrets.adminToken]),
                ("hook key", Header.bearer(TestSecrets.hookKey)),
                ("app key", Header.bearer(TestSecrets.appKey)),
                ("master key", Header.bearer(TestSecrets.masterKey)),
                ("hook headers", Header.hook),
            ]
            for (name, headers) in refused {
                for (method, path) in [(HTTPRequest.Method.get, "/v1/clients/Tom"), (.get, "/v1/templates"), (.post, "/v1/templates/reload")] {
                    let response = try await server.admin(method, path, headers: headers)
                    XCTAssertEqual(response.status, .unauthorized, "\(name) \(path)")
                    XCTAssertEqual(response.headers[.contentType], "application/json")
                    XCTAssertEqual(response.text, Self.unauthorized, "\(name) \(path)")
                }
                let put = try await server.admin(.put, "/v1/clients/Tom", json: ["name": "Mallory"], headers: headers)
                XCTAssertEqual(put.status, .unauthorized, name)
            }
            // Nothing was written by the refused requests.
            XCTAssertNil(server.server.service.registry.client("Tom"))
            let templates = try await server.admin(.get, "/v1/templates")
            XCTAssertEqual(templates.status, .ok, templates.text)
        }
    }

    func testAdminAPIIsOffWithoutAToken() async throws {
        try await withServer(try makeConfiguration(secured: true, adminToken: "")) { server in
            for headers: HTTPFields in [[:], Header.bearer(""), Header.bearer("anything"), Header.bearer(TestSecrets.hookKey)] {
                let response = try await server.admin(.get, "/v1/clients/Tom", headers: headers)
                XCTAssertEqual(response.status, .forbidden)
                XCTAssertEqual(response.headers[.contentType], "application/json")
                XCTAssertEqual(try response.json["code"], .number(403))
                XCTAssertNotNil(try response.json["error"]?.stringValue)
            }
        }
    }

    func testClientsCanBePutAndGot() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let missing = try await server.admin(.get, "/v1/clients/Tom")
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(try missing.json["code"], .number(404))

            let put = try await server.admin(.put, "/v1/clients/Tom", json: ["name": "Tom Cat", "locale": "en-GB"])
            XCTAssertEqual(put.status, .ok, put.text)
            XCTAssertEqual(put.headers[.contentType], "application/json")
            XCTAssertEqual(try put.json, .object(["id": .string("Tom"), "name": .string("Tom Cat"), "locale": .string("en-GB")]))

            let get = try await server.admin(.get, "/v1/clients/Tom")
            XCTAssertEqual(get.status, .ok)
            XCTAssertEqual(try get.json, .object(["id": .string("Tom"), "name": .string("Tom Cat"), "locale": .string("en-GB")]))

            let replaced = try await server.admin(.put, "/v1/clients/Tom", json: ["name": "Thomas"])
            XCTAssertEqual(try replaced.json, .object(["id": .string("Tom"), "name": .string("Thomas"), "locale": .null]))
        }
    }

    func testPercentEncodedIdsAreTheHooksIds() async throws {
        // Client and conversation ids may hold spaces, slashes and non-ASCII letters; the
        // hook sends them plain, the admin API's path percent-encoded.
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let put = try await server.admin(.put, "/v1/clients/Tom%20Cat%2F%E6%B1%A4%E5%A7%86", json: ["name": "Thomas"])
            XCTAssertEqual(put.status, .ok, put.text)
            XCTAssertEqual(try put.json["id"], .string("Tom Cat/汤姆"))
            XCTAssertEqual(server.server.service.registry.client("Tom Cat/汤姆")?.name, "Thomas")
            let get = try await server.admin(.get, "/v1/clients/Tom%20Cat%2F%E6%B1%A4%E5%A7%86")
            XCTAssertEqual(try get.json["name"], .string("Thomas"))

            let conversation = try await server.admin(.put, "/v1/conversations/support-%E5%AE%A2%E6%9C%8D", json: ["name": "Desk"])
            XCTAssertEqual(try conversation.json["id"], .string("support-客服"))

            let result = try await server.receiversOffline(
                HookBody.receiversOffline(from: "Tom Cat/汤姆", conversation: "support-客服", content: "hi"))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("[Support] Desk — Thomas: hi"))

            let bad = try await server.admin(.get, "/v1/clients/Tom%ZZ")
            XCTAssertEqual(bad.status, .badRequest)
            XCTAssertEqual(try bad.json["code"], .number(400))
        }
    }

    func testBadClientBodiesAreRefused() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let badLocale = try await server.admin(.put, "/v1/clients/Tom", json: ["locale": "not a locale!"])
            XCTAssertEqual(badLocale.status, .badRequest)
            XCTAssertTrue(try badLocale.json["error"]?.stringValue?.contains("locale") ?? false, badLocale.text)
            let badName = try await server.admin(.put, "/v1/clients/Tom", json: ["name": 5])
            XCTAssertEqual(badName.status, .badRequest)
            XCTAssertEqual(badName.text, #"{"code":400,"error":"'name' must be a string"}"#)
            let notJSON = try await server.client.execute(
                uri: "/v1/clients/Tom", method: .put, headers: Header.admin, body: .init(string: "name=Tom"))
            XCTAssertEqual(notJSON.status, .badRequest)
            XCTAssertEqual(try notJSON.json["code"], .number(400))
            XCTAssertNil(server.server.service.registry.client("Tom"))
        }
    }

    func testBodiesAreReadByTheHooksJSONRules() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            func put(_ path: String, _ bytes: [UInt8]) async throws -> TestResponse {
                try await server.client.execute(uri: path, method: .put, headers: Header.admin, body: ByteBuffer(bytes: bytes))
            }
            // Of repeated keys the last wins, as in hook bodies (and JavaScript).
            let repeated = try await put("/v1/clients/Tom", Array(#"{"name":"First","name":"Last","locale":"en","locale":"zh-Hans"}"#.utf8))
            XCTAssertEqual(repeated.status, .ok, repeated.text)
            XCTAssertEqual(server.server.service.registry.client("Tom"), ClientEntry(name: "Last", locale: "zh-Hans"))
            let system = try await put("/v1/conversations/c1", Array(#"{"system":false,"system":true}"#.utf8))
            XCTAssertEqual(try system.json["system"], .bool(true), system.text)

            // A byte order mark is refused, as in hook bodies.
            let bom = try await put("/v1/clients/Spike", [0xEF, 0xBB, 0xBF] + Array(#"{"name":"Spike"}"#.utf8))
            XCTAssertEqual(bom.status, .badRequest, bom.text)
            XCTAssertTrue(try bom.json["error"]?.stringValue?.hasPrefix("body is not valid JSON") ?? false, bom.text)
            XCTAssertNil(server.server.service.registry.client("Spike"))

            let notObject = try await put("/v1/clients/Spike", Array(#"["Spike"]"#.utf8))
            XCTAssertEqual(notObject.text, #"{"code":400,"error":"body must be a JSON object"}"#)
            let badSystem = try await put("/v1/conversations/c1", Array(#"{"system":"yes"}"#.utf8))
            XCTAssertEqual(badSystem.text, #"{"code":400,"error":"'system' must be a boolean"}"#)
            let badName = try await put("/v1/conversations/c1", Array(#"{"name":["Desk"]}"#.utf8))
            XCTAssertEqual(badName.text, #"{"code":400,"error":"'name' must be a string"}"#)
        }
    }

    func testFieldSizesAreLimited() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            // Names: 256 characters, counted as code points.
            let longest = String(repeating: "名", count: 256)
            let client = try await server.admin(.put, "/v1/clients/Tom", json: ["name": longest])
            XCTAssertEqual(client.status, .ok, client.text)
            let conversation = try await server.admin(.put, "/v1/conversations/c1", json: ["name": longest])
            XCTAssertEqual(conversation.status, .ok, conversation.text)
            for path in ["/v1/clients/Tom", "/v1/conversations/c1"] {
                let tooLong = try await server.admin(.put, path, json: ["name": longest + "!"])
                XCTAssertEqual(tooLong.status, .badRequest, path)
                XCTAssertEqual(tooLong.text, #"{"code":400,"error":"'name' is 257 characters long, more than the limit of 256"}"#, path)
            }
            XCTAssertEqual(server.server.service.registry.client("Tom")?.name, longest)

            // A locale is a locale tag, not an echo of whatever was sent.
            let locale = try await server.admin(.put, "/v1/clients/Tom", json: ["locale": String(repeating: "en-", count: 10_000) + "GB"])
            XCTAssertEqual(locale.status, .badRequest)
            XCTAssertEqual(locale.text, #"{"code":400,"error":"'locale' must be a locale tag such as en or zh-Hans"}"#)
        }
    }

    func testPathIdsAreHeldToTheIdentifierRule() async throws {
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken, data: data)
        try await withServer(configuration) { server in
            let jerry = try await server.admin(.put, "/v1/clients/Jerry", json: ["name": "Jerry Mouse"])
            XCTAssertEqual(jerry.status, .ok, jerry.text)
            // Stored with the NUL, this id was cut to "Jerry" and overwrote him after a restart.
            let ghost = try await server.admin(.put, "/v1/clients/Jerry%00ghost", json: ["name": "Ghost"])
            XCTAssertEqual(ghost.status, .badRequest)
            XCTAssertEqual(ghost.text, #"{"code":400,"error":"the id in the path must not contain control characters (found U+0000)"}"#)
            for (method, path) in [(HTTPRequest.Method.get, "/v1/clients/Jerry%0A"), (.put, "/v1/conversations/support-1%C2%85"), (.get, "/v1/conversations/c%7F")] {
                let response = try await server.admin(method, path, json: method == .put ? ["name": "x"] : nil)
                XCTAssertEqual(response.status, .badRequest, path)
                XCTAssertTrue(try response.json["error"]?.stringValue?.hasPrefix("the id in the path must not contain control characters") ?? false, path)
            }
            let long = try await server.admin(.put, "/v1/clients/" + String(repeating: "x", count: 257), json: ["name": "x"])
            XCTAssertEqual(long.text, #"{"code":400,"error":"the id in the path is 257 bytes long, more than the limit of 256 UTF-8 bytes"}"#)
            let longest = try await server.admin(.put, "/v1/clients/" + String(repeating: "x", count: 256), json: ["name": "x"])
            XCTAssertEqual(longest.status, .ok, longest.text)
        }
        try await withServer(configuration) { server in
            XCTAssertEqual(server.server.service.registry.client("Jerry"), ClientEntry(name: "Jerry Mouse"))
        }
    }

    func testConversationsCanBePutAndGot() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let missing = try await server.admin(.get, "/v1/conversations/support-1")
            XCTAssertEqual(missing.status, .notFound)

            let put = try await server.admin(.put, "/v1/conversations/support-1", json: ["name": "Refunds"])
            XCTAssertEqual(put.status, .ok, put.text)
            XCTAssertEqual(try put.json, .object(["id": .string("support-1"), "name": .string("Refunds"), "system": .bool(false)]))

            let get = try await server.admin(.get, "/v1/conversations/support-1")
            XCTAssertEqual(
                try get.json,
                .object(["id": .string("support-1"), "name": .string("Refunds"), "system": .bool(false), "mutedBy": .array([])]))

            let result = try await server.receiversOffline(HookBody.receiversOffline(conversation: "support-1", content: "hi"))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("[Support] Refunds — Tom: hi"))
        }
    }

    func testClientNameAndLocaleShapeTheNextAnswer() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let before = try await server.receiversOffline()
            XCTAssertEqual(try pushMessage(of: before)["alert"], .string("Tom: Holy crap!"))

            _ = try await server.admin(.put, "/v1/clients/Tom", json: ["name": "Tom Cat"])
            let named = try await server.receiversOffline()
            XCTAssertEqual(try pushMessage(of: named)["alert"], .string("Tom Cat: Holy crap!"))

            _ = try await server.admin(.put, "/v1/clients/Jerry", json: ["name": "Jerry Mouse", "locale": "zh-Hans"])
            let chinese = try await server.receiversOffline()
            XCTAssertEqual(try pushMessage(of: chinese)["alert"], .string("Tom Cat：Holy crap!"))

            let mentioned = try await server.receiversOffline(
                HookBody.receiversOffline(content: HookBody.text("看这里"), mentioned: ["Jerry"]))
            XCTAssertEqual(try pushMessage(of: mentioned)["alert"], .string("Tom Cat 提到了你：看这里"))
            XCTAssertEqual(mentioned["force"], .bool(true))
        }
    }

    func testRenderPreviewsTheAnswerAndEachReceiversPayload() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            _ = try await server.admin(.put, "/v1/clients/Spike", json: ["locale": "zh-Hans"])
            let hook = HookBody.receiversOffline(to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("dinner"))
            let preview = try await server.admin(.post, "/v1/render", json: hook)
            XCTAssertEqual(preview.status, .ok, preview.text)
            XCTAssertEqual(preview.headers[.contentType], "application/json")
            let json = try preview.json

            // The answer, exactly as the hook gives it.
            let live = try await server.receiversOffline(hook)
            XCTAssertEqual(json["result"], live)
            XCTAssertEqual(try pushMessage(of: live)["alert"], .string("Tom: dinner"))
            XCTAssertEqual(json["template"], .string("default"))

            // And what each receiver's template asked for.
            let receivers = try XCTUnwrap(json["receivers"]?.arrayValue)
            var alerts: [String: String] = [:]
            for receiver in receivers {
                let name = try XCTUnwrap(receiver["receiver"]?.stringValue)
                alerts[name] = try decodeJSON(try XCTUnwrap(receiver["payload"]?.stringValue))["alert"]?.stringValue
            }
            XCTAssertEqual(alerts, ["Jerry": "Tom: dinner", "Spike": "Tom：dinner", "Tyke": "Tom: dinner"])
            let spike = try XCTUnwrap(receivers.first { $0["receiver"] == .string("Spike") })
            XCTAssertEqual(spike["coalesced"], .bool(true))
            XCTAssertEqual(spike["locale"], .string("zh-Hans"))
        }
    }

    func testRenderRefusesABadBody() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let response = try await server.admin(.post, "/v1/render", json: ["fromPeer": "Tom"])
            XCTAssertEqual(response.status, .badRequest)
            XCTAssertEqual(try response.json["code"], .number(400))
            XCTAssertNotNil(try response.json["error"]?.stringValue)
        }
    }

    func testTemplatesAreListed() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let response = try await server.admin(.get, "/v1/templates")
            XCTAssertEqual(response.status, .ok)
            let names = try XCTUnwrap(response.json["templates"]?.arrayValue).compactMap { $0["name"]?.stringValue }
            XCTAssertEqual(Set(names), ["default", "support", "private", "confidential"])
        }
    }
}
