import AsyncHTTPClient
import Crypto
@testable import Delivery
import Foundation
import PushCompose
import Synchronization
import XCTest

/// How a rendered payload becomes an APNs request and an FCM message, and how their
/// answers are read: pure rules, no network.
final class DeviceChannelRulesTests: XCTestCase {
    private func job(
        _ payload: JSONValue, badge: Int? = 3, device: DeviceAddress = DeviceAddress(provider: .apns, token: "ab12", apnsEnvironment: .production)
    ) -> PushJob {
        PushJob(
            id: 1, pushId: "5f0c2a4e-8d1b-4c3a-9e7f-0123456789ab", hookCallId: "call-1", receiver: "Jerry", conversation: "conv-1",
            template: "default", payload: payload, badge: badge, device: device, state: .leased, attempts: 1,
            queuedAt: Date(timeIntervalSince1970: 1_800_000_000), dueAt: nil)
    }

    private func headers(_ request: APNsRequest) -> [String: String] {
        Dictionary(request.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    func testAnAlertBecomesAPSWithANumericBadgeThreadAndTheAppsMembersBeside() throws {
        let payload = JSONValue.object([
            ("alert", .string("Tom mentioned you: lunch?")), ("sound", .string("default")), ("badge", .string("Increment")),
            ("category", .string("MESSAGE")), ("mutable-content", .number(1)), ("orderId", .string("42")),
        ])
        let request = APNsRequest(job: job(payload), topic: "com.example.chat", expiresAt: Date(timeIntervalSince1970: 1_800_086_400))
        XCTAssertEqual(request.path, "/3/device/ab12")
        let body = try JSONParser.parse(request.body)
        XCTAssertEqual(body["aps"]?["alert"], .string("Tom mentioned you: lunch?"))
        XCTAssertEqual(body["aps"]?["badge"], .number(3))
        XCTAssertEqual(body["aps"]?["sound"], .string("default"))
        XCTAssertEqual(body["aps"]?["thread-id"], .string("conv-1"))
        XCTAssertEqual(body["aps"]?["category"], .string("MESSAGE"))
        XCTAssertEqual(body["aps"]?["mutable-content"], .number(1))
        XCTAssertEqual(body["orderId"], .string("42"))
        XCTAssertEqual(body["pushId"], .string("5f0c2a4e-8d1b-4c3a-9e7f-0123456789ab"))
        XCTAssertNil(body["alert"], "alert moves into aps")
        let fields = headers(request)
        XCTAssertEqual(fields["apns-topic"], "com.example.chat")
        XCTAssertEqual(fields["apns-push-type"], "alert")
        XCTAssertEqual(fields["apns-priority"], "10")
        XCTAssertEqual(fields["apns-id"], "5f0c2a4e-8d1b-4c3a-9e7f-0123456789ab")
        XCTAssertEqual(fields["apns-expiration"], "1800086400")
        XCTAssertNil(fields["apns-collapse-id"])
    }

    func testATitleMakesAnAlertObjectAndACollapseIdAHeader() throws {
        let payload = JSONValue.object([("title", .string("Tom")), ("alert", .string("lunch?")), ("collapse-id", .string("conv-1"))])
        let request = APNsRequest(job: job(payload, badge: nil), topic: "com.example.chat", expiresAt: Date())
        let body = try JSONParser.parse(request.body)
        XCTAssertEqual(body["aps"]?["alert"], .object([("title", .string("Tom")), ("body", .string("lunch?"))]))
        XCTAssertNil(body["aps"]?["badge"])
        XCTAssertEqual(headers(request)["apns-collapse-id"], "conv-1")
    }

    func testAContentAvailableOnlyPayloadIsABackgroundPushAtPriorityFive() throws {
        let device = DeviceAddress(provider: .apns, token: "ab12", apnsEnvironment: .sandbox, topic: "com.example.other")
        let request = APNsRequest(job: job(.object([("content-available", .number(1)), ("sync", .string("inbox"))]), badge: nil, device: device), topic: "com.example.chat", expiresAt: Date())
        let fields = headers(request)
        XCTAssertEqual(fields["apns-push-type"], "background")
        XCTAssertEqual(fields["apns-priority"], "5")
        XCTAssertEqual(fields["apns-topic"], "com.example.other", "the device's own topic wins")
        let body = try JSONParser.parse(request.body)
        XCTAssertEqual(body["aps"], .object([("thread-id", .string("conv-1")), ("content-available", .number(1))]))
        XCTAssertEqual(body["sync"], .string("inbox"))
    }

    func testAnFCMMessageCarriesNotificationAndroidAndStringData() throws {
        let payload = JSONValue.object([
            ("title", .string("Tom")), ("alert", .string("lunch?")), ("badge", .string("Increment")), ("collapse-id", .string("c1")),
            ("sound", .string("default")), ("orderId", .number(42)), ("meta", .object([("a", .bool(true))])),
        ])
        let android = DeviceAddress(provider: .fcm, token: "fcm-token-1", platform: "android")
        let message = try JSONParser.parse(FCMMessage(job: job(payload, device: android)).body)["message"]
        XCTAssertEqual(message?["token"], .string("fcm-token-1"))
        XCTAssertEqual(message?["notification"], .object([("title", .string("Tom")), ("body", .string("lunch?"))]))
        XCTAssertEqual(message?["android"]?["priority"], .string("high"))
        XCTAssertEqual(message?["android"]?["collapse_key"], .string("c1"))
        XCTAssertEqual(message?["android"]?["notification"]?["tag"], .string("c1"))
        XCTAssertEqual(message?["android"]?["notification"]?["notification_count"], .number(3))
        XCTAssertEqual(message?["data"]?["pushId"], .string("5f0c2a4e-8d1b-4c3a-9e7f-0123456789ab"))
        XCTAssertEqual(message?["data"]?["conversation"], .string("conv-1"))
        XCTAssertEqual(message?["data"]?["orderId"], .string("42"))
        XCTAssertEqual(message?["data"]?["meta"], .string(#"{"a":true}"#))
        XCTAssertNil(message?["apns"], "an Android device gets no apns block")
        guard case .object(let data) = message?["data"] else { return XCTFail("no data") }
        XCTAssertTrue(data.allSatisfy { if case .string = $0.value { true } else { false } }, "FCM data values are strings")
    }

    func testAnIOSDeviceOnFCMGetsAnAPNsBlock() throws {
        let ios = DeviceAddress(provider: .fcm, token: "fcm-token-2", platform: "ios")
        let message = try JSONParser.parse(FCMMessage(job: job(.object([("alert", .string("hi"))]), device: ios)).body)["message"]
        XCTAssertEqual(message?["apns"]?["payload"]?["aps"]?["badge"], .number(3))
        XCTAssertEqual(message?["apns"]?["payload"]?["aps"]?["alert"], .string("hi"))
        XCTAssertEqual(message?["apns"]?["headers"]?["apns-priority"], .string("10"))
    }

    func testAPNsAnswers() {
        func read(_ status: Int, _ reason: String?, retryAfter: String? = nil) -> APNsAnswer.Reading {
            let body = reason.map { Array(#"{"reason":"\#($0)"}"#.utf8) } ?? []
            return APNsAnswer.read(HTTPAnswer(status: status, retryAfter: retryAfter, body: body), now: Date())
        }
        XCTAssertEqual(read(200, nil), .outcome(.delivered(status: 200)))
        XCTAssertEqual(read(410, "Unregistered"), .outcome(.deviceGone(status: 410, reason: "APNs 410 Unregistered")))
        XCTAssertEqual(read(400, "BadDeviceToken"), .outcome(.deviceGone(status: 400, reason: "APNs 400 BadDeviceToken")))
        XCTAssertEqual(read(400, "DeviceTokenNotForTopic"), .outcome(.deviceGone(status: 400, reason: "APNs 400 DeviceTokenNotForTopic")))
        XCTAssertEqual(read(403, "ExpiredProviderToken"), .tokenExpired)
        XCTAssertEqual(read(429, "TooManyRequests", retryAfter: "7"), .outcome(.retry(status: 429, reason: "APNs 429 TooManyRequests", retryAfter: .seconds(7))))
        XCTAssertEqual(read(503, "ServiceUnavailable"), .outcome(.retry(status: 503, reason: "APNs 503 ServiceUnavailable", retryAfter: nil)))
        XCTAssertEqual(read(400, "BadTopic"), .outcome(.failedPermanently(status: 400, reason: "APNs 400 BadTopic")))
        XCTAssertEqual(read(403, "InvalidProviderToken"), .outcome(.failedPermanently(status: 403, reason: "APNs 403 InvalidProviderToken")))
        XCTAssertEqual(read(413, "PayloadTooLarge"), .outcome(.failedPermanently(status: 413, reason: "APNs 413 PayloadTooLarge")))
    }

    func testFCMAnswers() {
        func read(_ status: Int, _ grpc: String, code: String? = nil, message: String = "m", fields: [String] = [], retryAfter: String? = nil) -> FCMAnswer.Reading {
            var details: [JSONValue] = []
            if let code { details.append(.object([("@type", .string("type.googleapis.com/google.firebase.fcm.v1.FcmError")), ("errorCode", .string(code))])) }
            if !fields.isEmpty {
                details.append(.object([("fieldViolations", .array(fields.map { .object([("field", .string($0))]) }))]))
            }
            let error = JSONValue.object([("error", .object([("code", .number(Double(status))), ("message", .string(message)), ("status", .string(grpc)), ("details", .array(details))]))])
            return FCMAnswer.read(HTTPAnswer(status: status, retryAfter: retryAfter, body: Array(JSONEncoding.string(error).utf8)), now: Date())
        }
        XCTAssertEqual(FCMAnswer.read(HTTPAnswer(status: 200, retryAfter: nil, body: Array(#"{"name":"projects/p/messages/1"}"#.utf8)), now: Date()), .outcome(.delivered(status: 200)))
        XCTAssertEqual(read(404, "NOT_FOUND", code: "UNREGISTERED"), .outcome(.deviceGone(status: 404, reason: "FCM 404 UNREGISTERED: m")))
        XCTAssertEqual(read(400, "INVALID_ARGUMENT", code: "INVALID_ARGUMENT", message: "The registration token is not a valid FCM registration token"),
                       .outcome(.deviceGone(status: 400, reason: "FCM 400 INVALID_ARGUMENT: The registration token is not a valid FCM registration token")))
        XCTAssertEqual(read(400, "INVALID_ARGUMENT", message: "Invalid value", fields: ["message.token"]), .outcome(.deviceGone(status: 400, reason: "FCM 400 INVALID_ARGUMENT: Invalid value")))
        XCTAssertEqual(read(400, "INVALID_ARGUMENT", message: "Invalid value at 'message.data[0].value'", fields: ["message.data[0].value"]),
                       .outcome(.failedPermanently(status: 400, reason: "FCM 400 INVALID_ARGUMENT: Invalid value at 'message.data[0].value'")), "a bad message keeps the device")
        XCTAssertEqual(read(429, "RESOURCE_EXHAUSTED", code: "QUOTA_EXCEEDED", retryAfter: "30"), .outcome(.retry(status: 429, reason: "FCM 429 QUOTA_EXCEEDED: m", retryAfter: .seconds(30))))
        XCTAssertEqual(read(503, "UNAVAILABLE", code: "UNAVAILABLE"), .outcome(.retry(status: 503, reason: "FCM 503 UNAVAILABLE: m", retryAfter: nil)))
        XCTAssertEqual(read(500, "INTERNAL", code: "INTERNAL"), .outcome(.retry(status: 500, reason: "FCM 500 INTERNAL: m", retryAfter: nil)))
        XCTAssertEqual(read(403, "PERMISSION_DENIED", code: "SENDER_ID_MISMATCH"), .outcome(.failedPermanently(status: 403, reason: "FCM 403 SENDER_ID_MISMATCH: m")))
        XCTAssertEqual(read(401, "UNAUTHENTICATED", code: "THIRD_PARTY_AUTH_ERROR"), .outcome(.failedPermanently(status: 401, reason: "FCM 401 THIRD_PARTY_AUTH_ERROR: m")))
        XCTAssertEqual(read(401, "UNAUTHENTICATED"), .tokenRefused)
    }

    func testConcurrentCallersShareOneTokenRenewalAndARefusalRenewsOnce() async throws {
        let clock = TestClock()
        let made = Atomic<Int>(0)
        let cache = BearerTokenCache(clock: clock) {
            let number = made.add(1, ordering: .relaxed).newValue
            return BearerTokenCache.Token(value: "token-\(number)", renewAt: clock.now().addingTimeInterval(60))
        }
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await cache.token() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(tokens, ["token-1"])
        XCTAssertEqual(made.load(ordering: .relaxed), 1)
        cache.refuse("token-1")
        cache.refuse("token-1")
        let renewed = try await cache.token()
        XCTAssertEqual(renewed, "token-2")
        cache.refuse("token-1")
        let kept = try await cache.token()
        XCTAssertEqual(kept, "token-2", "a refusal of an older token does not renew the current one")
        clock.advance(by: .seconds(61))
        let due = try await cache.token()
        XCTAssertEqual(due, "token-3")
    }

    func testCredentialsNameTheBadSetting() throws {
        XCTAssertThrowsError(try APNsCredentials(keyId: "", teamId: "T", privateKeyPEM: "")) { XCTAssertEqual(($0 as? ProviderConfigurationError)?.setting, "apnsKeyId") }
        XCTAssertThrowsError(try APNsCredentials(keyId: "K", teamId: "T", privateKeyPEM: "not a key")) { XCTAssertEqual(($0 as? ProviderConfigurationError)?.setting, "apnsKeyFile") }
        XCTAssertNoThrow(try APNsCredentials(keyId: "K", teamId: "T", privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation))
        XCTAssertThrowsError(try FCMServiceAccount(json: Array(#"{"type":"service_account","project_id":"p"}"#.utf8))) {
            XCTAssertEqual(($0 as? ProviderConfigurationError)?.description, "fcmServiceAccountFile has no 'client_email'")
        }
        XCTAssertThrowsError(try FCMServiceAccount(json: Array("[]".utf8))) {
            XCTAssertEqual(($0 as? ProviderConfigurationError)?.description, "fcmServiceAccountFile is not a JSON object")
        }
    }

    /// The webhook's preview shows where the push goes without what may be a credential
    /// in its URL (user, password, query), and the body as sent.
    func testTheWebhookPreviewLeavesCredentialsOutOfTheURL() throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { try? client.syncShutdown() }
        let provider = try WebhookProvider(
            configuration: .init(url: "https://user:pass@hooks.example.com/push/in?token=s3cret", secret: "webhook-secret"), client: client)
        let preview = provider.preview(job(.object([("alert", .string("hi")), ("badge", .string("Increment"))]), device: webhookDevice))
        XCTAssertEqual(preview["url"], .string("https://hooks.example.com/push/in"))
        XCTAssertEqual(preview["body"]?["payload"]?["badge"], .number(3))
        XCTAssertEqual(preview["body"]?["device"]?["token"], .string("w1"))
        XCTAssertFalse(JSONEncoding.string(preview).contains("s3cret"))
        XCTAssertFalse(JSONEncoding.string(preview).contains("webhook-secret"))
    }

    private let webhookDevice = DeviceAddress(provider: .webhook, token: "w1")
}
