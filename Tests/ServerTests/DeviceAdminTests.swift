import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
@testable import Server
import XCTest

/// The admin API's devices and badges: `/v1/clients/{id}/devices` and `/v1/clients/{id}/badge`.
final class DeviceAdminTests: XCTestCase {
    private func configuration(maxDevicesPerClient: Int? = nil) throws -> ServerConfiguration {
        var configuration = try makeConfiguration(adminToken: TestSecrets.adminToken)
        if let maxDevicesPerClient { configuration.delivery.maxDevicesPerClient = maxDevicesPerClient }
        return configuration
    }

    private static let iso8601 = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#

    private static func register(_ server: TestServer, _ client: String, _ body: [String: Any]) async throws -> JSON {
        let response = try await server.admin(.post, "/v1/clients/\(client)/devices", json: body)
        XCTAssertEqual(response.status, .created, response.text)
        return try response.json
    }

    private static func devices(_ server: TestServer, _ client: String) async throws -> [JSON] {
        let response = try await server.admin(.get, "/v1/clients/\(client)/devices")
        XCTAssertEqual(response.status, .ok, response.text)
        return try XCTUnwrap(try response.json["devices"]?.arrayValue, response.text)
    }

    private static func tokens(_ devices: [JSON]) -> [String] {
        devices.compactMap { $0["token"]?.stringValue }
    }

    func testDevicesAreRegisteredAndListedMostRecentlySeenFirst() async throws {
        try await withServer(try configuration()) { server in
            let webhook = try await Self.register(server, "Tom", ["provider": "webhook", "token": "hook-1", "platform": "ios", "locale": "en"])
            XCTAssertEqual(webhook["clientId"], .string("Tom"))
            XCTAssertEqual(webhook["provider"], .string("webhook"))
            XCTAssertEqual(webhook["token"], .string("hook-1"))
            XCTAssertEqual(webhook["platform"], .string("ios"))
            XCTAssertEqual(webhook["locale"], .string("en"))
            XCTAssertEqual(webhook["environment"], .null)
            XCTAssertEqual(webhook["topic"], .null)
            XCTAssertNil(webhook["movedFrom"])
            XCTAssertNil(webhook["dropped"])
            for field in ["createdAt", "lastSeenAt"] {
                let time = try XCTUnwrap(webhook[field]?.stringValue, field)
                XCTAssertNotNil(time.range(of: Self.iso8601, options: .regularExpression), time)
            }
            _ = try await Self.register(server, "Tom", ["provider": "platform", "token": "installation-2", "platform": "android"])
            let apns = try await Self.register(
                server, "Tom", ["provider": "apns", "token": "a1b2c3", "environment": "sandbox", "topic": "com.example.chat"])
            XCTAssertEqual(apns["environment"], .string("sandbox"))
            XCTAssertEqual(apns["topic"], .string("com.example.chat"))
            // An APNs device without an environment is a production one.
            let production = try await Self.register(server, "Spike", ["provider": "apns", "token": "ffee"])
            XCTAssertEqual(production["environment"], .string("production"))

            let listedFirst = Self.tokens(try await Self.devices(server, "Tom"))

            XCTAssertEqual(listedFirst, ["a1b2c3", "installation-2", "hook-1"])
            // The store keeps milliseconds: a re-registration is newer once the clock has moved on.
            try await Task.sleep(for: .milliseconds(5))
            let again = try await Self.register(server, "Tom", ["provider": "webhook", "token": "hook-1", "locale": "zh-Hans"])
            XCTAssertEqual(again["createdAt"], webhook["createdAt"], "re-registering keeps the creation time")
            XCTAssertNotEqual(again["lastSeenAt"], webhook["lastSeenAt"])
            XCTAssertEqual(again["locale"], .string("zh-Hans"))
            let listed = try await Self.devices(server, "Tom")
            XCTAssertEqual(Self.tokens(listed), ["hook-1", "a1b2c3", "installation-2"])
            XCTAssertEqual(listed.first, again, "the list shows what the registration answered")
            let nobody = try await Self.devices(server, "Nobody")
            XCTAssertEqual(nobody, [])
        }
    }

    func testReRegisteringATokenMovesItToTheNewClient() async throws {
        try await withServer(try configuration()) { server in
            _ = try await Self.register(server, "Tom", ["provider": "webhook", "token": "shared-phone"])
            _ = try await Self.register(server, "Tom", ["provider": "platform", "token": "shared-phone"])
            let moved = try await Self.register(server, "Jerry", ["provider": "webhook", "token": "shared-phone"])
            XCTAssertEqual(moved["movedFrom"], .string("Tom"))
            XCTAssertEqual(moved["clientId"], .string("Jerry"))
            let jerry = Self.tokens(try await Self.devices(server, "Jerry"))
            XCTAssertEqual(jerry, ["shared-phone"])
            // The same token under another provider is another device: it stays.
            let tom = try await Self.devices(server, "Tom")
            XCTAssertEqual(tom.map { $0["provider"] }, [.string("platform")])
        }
    }

    func testTheLeastRecentlySeenDeviceIsDroppedPastTheLimit() async throws {
        try await withServer(try configuration(maxDevicesPerClient: 2)) { server in
            _ = try await Self.register(server, "Tom", ["provider": "webhook", "token": "first"])
            let second = try await Self.register(server, "Tom", ["provider": "webhook", "token": "second"])
            XCTAssertNil(second["dropped"])
            let third = try await Self.register(server, "Tom", ["provider": "webhook", "token": "third"])
            let dropped = try XCTUnwrap(third["dropped"]?.arrayValue, "\(third)")
            XCTAssertEqual(Self.tokens(dropped), ["first"])
            XCTAssertEqual(dropped.first?["clientId"], .string("Tom"))
            let kept = Self.tokens(try await Self.devices(server, "Tom"))
            XCTAssertEqual(kept, ["third", "second"])
            // Another client's devices do not count toward Tom's limit.
            _ = try await Self.register(server, "Jerry", ["provider": "webhook", "token": "jerry-1"])
            let tomCount = try await Self.devices(server, "Tom").count
            XCTAssertEqual(tomCount, 2)
        }
    }

    func testBadRegistrationsAreRefusedNamingTheField() async throws {
        try await withServer(try configuration()) { server in
            let longToken = String(repeating: "a", count: DeviceRegistration.Limits.tokenBytes + 1)
            let cases: [(body: [String: Any], error: String)] = [
                (["provider": "pigeon", "token": "t"], "'provider' must be one of apns, fcm, platform, webhook, not 'pigeon'"),
                (["token": "t"], "'provider' is required"),
                (["provider": "webhook"], "'token' is required"),
                (["provider": "webhook", "token": ""], "device 'token' must not be empty"),
                (["provider": "webhook", "token": longToken], "device 'token' is longer than 4096 bytes"),
                (["provider": "webhook", "token": 12345], "'token' must be a string"),
                (["provider": 1, "token": "t"], "'provider' must be a string"),
                (["provider": "webhook", "token": "t", "tokn": "x"], "unknown member 'tokn'"),
                (["provider": "webhook", "token": "t", "platform": ["ios"]], "'platform' must be a string"),
                (["provider": "webhook", "token": "t", "platform": String(repeating: "p", count: 33)], "device 'platform' is longer than 32 bytes"),
                (["provider": "webhook", "token": "t", "locale": "not a locale"], "'locale' must be a locale tag"),
                (["provider": "webhook", "token": "t", "environment": "sandbox"], "device 'environment' only an apns device has an APNs environment"),
                (["provider": "webhook", "token": "t", "topic": "com.example"], "device 'topic' only an apns device has a topic"),
                (["provider": "apns", "token": "abc", "environment": "staging"], "'environment' must be one of sandbox, production, not 'staging'"),
                (["provider": "apns", "token": "not-hex"], "device 'token' an APNs token is hexadecimal"),
                (["provider": "webhook", "token": "tab\there"], "device 'token' must not contain control characters"),
            ]
            for (body, error) in cases {
                let response = try await server.admin(.post, "/v1/clients/Tom/devices", json: body)
                XCTAssertEqual(response.status, .badRequest, "\(body): \(response.text)")
                XCTAssertEqual(try response.json["code"], .number(400))
                let message = try XCTUnwrap(try response.json["error"]?.stringValue)
                XCTAssertTrue(message.contains(error), "\(body): \(message)")
            }
            let notJSON = try await server.client.execute(
                uri: "/v1/clients/Tom/devices", method: .post, headers: Header.admin, body: ByteBuffer(string: "provider=webhook"))
            XCTAssertEqual(notJSON.status, .badRequest)
            XCTAssertTrue(notJSON.text.contains("body is not valid JSON"), notJSON.text)
            let badId = try await server.admin(.post, "/v1/clients/To%01m/devices", json: ["provider": "webhook", "token": "t"])
            XCTAssertEqual(badId.status, .badRequest)
            XCTAssertTrue(badId.text.contains("the id in the path must not contain control characters"), badId.text)
            // Nothing was stored by a refused registration.
            let stored = try await Self.devices(server, "Tom")
            XCTAssertEqual(stored, [])
        }
    }

    func testADeviceIsRemovedOnlyThroughItsOwnClient() async throws {
        try await withServer(try configuration()) { server in
            // FCM tokens hold ':'; a token may hold '/', percent-encoded in the path.
            let token = "fcm:APA91b/x-y_z"
            let path = "fcm/fcm%3AAPA91b%2Fx-y_z"
            _ = try await Self.register(server, "Tom", ["provider": "fcm", "token": token])
            _ = try await Self.register(server, "Tom", ["provider": "webhook", "token": "keep"])

            let otherClient = try await server.admin(.delete, "/v1/clients/Jerry/devices/\(path)")
            XCTAssertEqual(otherClient.status, .notFound, otherClient.text)
            let otherProvider = try await server.admin(.delete, "/v1/clients/Tom/devices/webhook/fcm%3AAPA91b%2Fx-y_z")
            XCTAssertEqual(otherProvider.status, .notFound, otherProvider.text)
            let unknownProvider = try await server.admin(.delete, "/v1/clients/Tom/devices/pigeon/keep")
            XCTAssertEqual(unknownProvider.status, .badRequest)
            XCTAssertTrue(unknownProvider.text.contains("the provider in the path must be one of"), unknownProvider.text)
            let beforeRemoval = Self.tokens(try await Self.devices(server, "Tom")).sorted()
            XCTAssertEqual(beforeRemoval, [token, "keep"].sorted())

            let removed = try await server.admin(.delete, "/v1/clients/Tom/devices/\(path)")
            XCTAssertEqual(removed.status, .noContent, removed.text)
            XCTAssertEqual(removed.text, "")
            let afterRemoval = Self.tokens(try await Self.devices(server, "Tom"))
            XCTAssertEqual(afterRemoval, ["keep"])
            let again = try await server.admin(.delete, "/v1/clients/Tom/devices/\(path)")
            XCTAssertEqual(again.status, .notFound)
            XCTAssertEqual(try again.json["code"], .number(404))
        }
    }

    func testEveryDeviceAndBadgeRouteNeedsTheAdminToken() async throws {
        try await withServer(try configuration()) { server in
            _ = try await Self.register(server, "Tom", ["provider": "webhook", "token": "hook-1"])
            let routes: [(HTTPRequest.Method, String, [String: Any]?)] = [
                (.post, "/v1/clients/Tom/devices", ["provider": "webhook", "token": "mallory"]),
                (.get, "/v1/clients/Tom/devices", nil),
                (.delete, "/v1/clients/Tom/devices/webhook/hook-1", nil),
                (.get, "/v1/clients/Tom/badge", nil),
                (.post, "/v1/clients/Tom/badge/reset", nil),
            ]
            for headers: HTTPFields in [[:], Header.bearer("not-the-token"), [.authorization: TestSecrets.adminToken]] {
                for (method, path, body) in routes {
                    let response = try await server.admin(method, path, json: body, headers: headers)
                    XCTAssertEqual(response.status, .unauthorized, "\(method) \(path) \(headers)")
                    XCTAssertEqual(response.text, AdminAPITests.unauthorized)
                }
            }
            let unchanged = Self.tokens(try await Self.devices(server, "Tom"))
            XCTAssertEqual(unchanged, ["hook-1"], "nothing changed")
        }
    }

    func testTheBadgeIsReadAndReset() async throws {
        try await withServer(try configuration()) { server in
            let queue = server.server.service.delivery.queue
            // Due tomorrow: the workers leave the jobs alone.
            let tomorrow = Date().addingTimeInterval(86_400)
            for (index, counts) in [true, true, false, true].enumerated() {
                _ = try await queue.enqueue([
                    NewPush(
                        pushId: "push-\(index)", hookCallId: "call-\(index)", receiver: "Jerry", conversation: "conv-1", template: "default",
                        payload: .object([(key: "alert", value: .string("hi"))]), incrementsBadge: counts,
                        devices: [DeviceAddress(provider: .webhook, token: "jerry-phone")]),
                ], now: tomorrow)
            }
            let badge = try await server.admin(.get, "/v1/clients/Jerry/badge")
            XCTAssertEqual(badge.status, .ok)
            XCTAssertEqual(badge.text, #"{"badge":3}"#)
            let tomBadge = try await server.admin(.get, "/v1/clients/Tom/badge").text
            XCTAssertEqual(tomBadge, #"{"badge":0}"#)

            let reset = try await server.admin(.post, "/v1/clients/Jerry/badge/reset")
            XCTAssertEqual(reset.status, .ok)
            XCTAssertEqual(reset.text, #"{"badge":0}"#)
            let jerryBadge = try await server.admin(.get, "/v1/clients/Jerry/badge").text
            XCTAssertEqual(jerryBadge, #"{"badge":0}"#)
            let stored = try await queue.badge(of: "Jerry")
            XCTAssertEqual(stored, 0)
        }
    }
}
