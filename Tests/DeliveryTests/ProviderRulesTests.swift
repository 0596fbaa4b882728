import Crypto
@testable import Delivery
import Foundation
import PushCompose
import XCTest

/// The parts of the providers that need no server: signature, answers, payloads, `where`.
final class ProviderRulesTests: XCTestCase {
    func testWebhookSignatureIsHexHMACOverTimestampDotBody() {
        let body = Array(#"{"pushId":"p1"}"#.utf8)
        let expected = HMAC<SHA256>.authenticationCode(for: Array("1700000000.".utf8) + body, using: SymmetricKey(data: Array("s3cret".utf8)))
            .map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(WebhookSignature(secret: "s3cret").sign(timestamp: "1700000000", body: body), expected)
        XCTAssertEqual(expected.count, 64)
        // One signer for every push: a signature leaves nothing behind for the next one.
        let signer = WebhookSignature(secret: "s3cret")
        let other = signer.sign(timestamp: "1700000001", body: Array("other".utf8))
        XCTAssertEqual(signer.sign(timestamp: "1700000000", body: body), expected)
        XCTAssertEqual(signer.sign(timestamp: "1700000001", body: Array("other".utf8)), other)
        XCTAssertNotEqual(other, expected)
    }

    func testAnswersByStatus() {
        let now = Date()
        func outcome(_ status: Int, _ body: String = "", retryAfter: String? = nil) -> DeliveryOutcome {
            HTTPAnswer(status: status, retryAfter: retryAfter, body: Array(body.utf8)).outcome(now: now)
        }
        XCTAssertEqual(outcome(200), .delivered(status: 200))
        XCTAssertEqual(outcome(204), .delivered(status: 204))
        XCTAssertEqual(outcome(410, "gone"), .deviceGone(status: 410, reason: "HTTP 410: gone"))
        XCTAssertEqual(outcome(429, retryAfter: "7"), .retry(status: 429, reason: "HTTP 429", retryAfter: .seconds(7)))
        XCTAssertEqual(outcome(503), .retry(status: 503, reason: "HTTP 503", retryAfter: nil))
        XCTAssertEqual(outcome(400, "bad\nrequest"), .failedPermanently(status: 400, reason: "HTTP 400: bad request"))
        XCTAssertEqual(outcome(301), .failedPermanently(status: 301, reason: "HTTP 301"))
    }

    func testReasonsAreBoundedAndOneLine() {
        let answer = HTTPAnswer(status: 400, retryAfter: nil, body: Array(String(repeating: "é\r\n", count: 2000).utf8))
        guard case .failedPermanently(_, let reason) = answer.outcome(now: Date()) else { return XCTFail() }
        XCTAssertLessThanOrEqual(reason.utf8.count, HTTPAnswer.maxReasonBytes + "HTTP 400: ".utf8.count)
        XCTAssertFalse(reason.contains("\n"))
    }

    func testRetryAfterAsAnHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        XCTAssertEqual(HTTPAnswer.retryDelay("Wed, 21 Oct 2015 07:30:00 GMT", now: now), .seconds(120))
        XCTAssertEqual(HTTPAnswer.retryDelay("Wed, 21 Oct 2015 07:00:00 GMT", now: now), .zero)
        XCTAssertNil(HTTPAnswer.retryDelay("soon", now: now))
        XCTAssertNil(HTTPAnswer.retryDelay("-3", now: now))
    }

    func testChannelPayloadHasANumericBadgeAndThePushId() {
        var job = PushJob.sample(payload: .object([("alert", .string("Tom: hi")), ("badge", .string("Increment")), ("sound", .string("default"))]))
        job.badge = 7
        XCTAssertEqual(
            JSONEncoding.string(ChannelPayload.make(job, includePushId: true)),
            #"{"alert":"Tom: hi","sound":"default","badge":7,"pushId":"push-1"}"#)
        job.badge = nil
        XCTAssertEqual(JSONEncoding.string(ChannelPayload.make(job, includePushId: false)), #"{"alert":"Tom: hi","sound":"default"}"#)
    }

    func testChannelPayloadNamesItsOwnPushInAnExperimentsTag() {
        let tag: JSONValue = .object([("id", .string("call-1")), ("x", .string("greeting")), ("v", .string("wave"))])
        let job = PushJob.sample(payload: .object([("alert", .string("Tom: hi")), ("_pc", tag)]))
        XCTAssertEqual(
            JSONEncoding.string(ChannelPayload.make(job, includePushId: false)),
            #"{"alert":"Tom: hi","_pc":{"id":"push-1","x":"greeting","v":"wave"}}"#)
    }

    func testWhereTemplateSubstitutesReceiverAndToken() throws {
        let template = try WhereTemplate(json: #"{"clientId":"{{receiver}}","installation":{"$in":["{{token}}"]},"valid":true}"#)
        XCTAssertEqual(
            JSONEncoding.string(template.render(receiver: "Jerry", token: "t-1")),
            #"{"clientId":"Jerry","installation":{"$in":["t-1"]},"valid":true}"#)
        XCTAssertEqual(JSONEncoding.string(WhereTemplate.receiverClientId.render(receiver: "Tom", token: "x")), #"{"clientId":"Tom"}"#)
    }

    func testWhereTemplateRefusesWhatItCannotRender() {
        XCTAssertThrowsError(try WhereTemplate(json: #"{"clientId":"{{receiver.name}}"}"#)) { error in
            XCTAssertTrue("\(error)".contains("{{receiver.name}}"), "\(error)")
        }
        XCTAssertThrowsError(try WhereTemplate(json: #"["{{receiver}}"]"#))
        XCTAssertThrowsError(try WhereTemplate(json: #"{"clientId":"#))
    }

    func testDeviceRegistrationNamesTheBadField() {
        func error(_ registration: DeviceRegistration) -> DeviceRegistrationError? {
            do {
                _ = try registration.validated()
                return nil
            } catch { return error }
        }
        XCTAssertEqual(error(.init(clientId: "", address: .init(provider: .webhook, token: "t")))?.field, "clientId")
        XCTAssertEqual(error(.init(clientId: "a", address: .init(provider: .webhook, token: "t\u{0}x")))?.field, "token")
        XCTAssertEqual(error(.init(clientId: "a", address: .init(provider: .apns, token: "not-hex")))?.field, "token")
        XCTAssertEqual(error(.init(clientId: "a", address: .init(provider: .fcm, token: "t", apnsEnvironment: .sandbox)))?.field, "environment")
        XCTAssertEqual(error(.init(clientId: "a", address: .init(provider: .webhook, token: String(repeating: "x", count: 5000))))?.field, "token")
        XCTAssertEqual(
            error(.init(clientId: "a", address: .init(provider: .webhook, token: "t"), locale: String(repeating: "x", count: 65)))?.description,
            "device 'locale' is longer than 64 bytes")
        XCTAssertEqual(try DeviceRegistration(clientId: "a", address: .init(provider: .apns, token: "ab12")).validated().address.apnsEnvironment, .production)
    }

    func testProviderConfigurationsNameTheBadSetting() {
        do {
            _ = try WebhookProvider.Configuration(url: "ftp://x", secret: "s").validated()
            XCTFail("an ftp URL is refused")
        } catch {
            XCTAssertEqual(error.setting, "webhookURL")
        }
        do {
            _ = try PlatformPushProvider.Configuration(server: "https://api.example.com", appId: "id", masterKey: "").validated()
            XCTFail("an empty master key is refused")
        } catch {
            XCTAssertEqual(error.setting, "masterKey")
        }
    }

    func testAWebhookSignatureChecksAsAnEndpointWould() {
        let body = Array(#"{"pushId":"p"}"#.utf8)
        let signature = WebhookSignature(secret: "s3cret").sign(timestamp: "1700000000", body: body)
        XCTAssertEqual(signature.count, 64)
        XCTAssertTrue(WebhookSignature(secret: "s3cret").isValid(signature, timestamp: "1700000000", body: body))
        XCTAssertFalse(WebhookSignature(secret: "s3cret").isValid(signature, timestamp: "1700000001", body: body))
        XCTAssertFalse(WebhookSignature(secret: "s3cret").isValid(signature, timestamp: "1700000000", body: body + [0x20]))
        XCTAssertFalse(WebhookSignature(secret: "other").isValid(signature, timestamp: "1700000000", body: body))
        XCTAssertFalse(WebhookSignature(secret: "s3cret").isValid("zz" + signature.dropFirst(2), timestamp: "1700000000", body: body))
        XCTAssertFalse(WebhookSignature(secret: "s3cret").isValid(String(signature.dropLast()), timestamp: "1700000000", body: body))
    }
}

extension PushJob {
    static func sample(payload: JSONValue, device: DeviceAddress = DeviceAddress(provider: .webhook, token: "t")) -> PushJob {
        PushJob(
            id: 1, pushId: "push-1", hookCallId: "call-1", receiver: "Jerry", conversation: "conv-1", template: "default",
            payload: payload, badge: nil, device: device, state: .leased, attempts: 1, queuedAt: Date(), dueAt: Date())
    }
}
