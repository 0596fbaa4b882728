import HTTPTypes
import Hummingbird
import HummingbirdTesting
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
            XCTAssertNil(server.server.service.directory.client("Tom"))
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
            XCTAssertEqual(server.server.service.directory.client("Tom Cat/汤姆")?.name, "Thomas")
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
            XCTAssertNil(server.server.service.directory.client("Tom"))
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
