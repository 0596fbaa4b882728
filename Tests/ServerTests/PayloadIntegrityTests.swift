import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// Message text and names that try to break out of the JSON payload or into the template
/// arrive intact as text, over the socket.
final class PayloadIntegrityTests: XCTestCase {
    static let nasty = "a\"b\\c}d\n{{sender.name}}\"},\"x\":{\"y\r\t/"

    func testTypedMessageTextArrivesIntact() async throws {
        XCTAssertLessThanOrEqual(Self.nasty.count, 40, "kept under the truncation length")
        try await withServer(try makeConfiguration(secured: true)) { server in
            let result = try await server.receiversOffline(HookBody.receiversOffline(content: HookBody.text(Self.nasty)))
            let payload = try pushMessage(of: result)
            XCTAssertEqual(payload["alert"], .string("Tom: " + Self.nasty))
            XCTAssertEqual(payload.keys, ["alert", "badge", "sound"])
            XCTAssertEqual(result.keys, ["pushMessage"])
        }
    }

    func testPlainContentArrivesIntact() async throws {
        let plain = #"hi"},"force":true,"alert":"pwned"#
        try await withServer(try makeConfiguration(secured: true)) { server in
            let result = try await server.receiversOffline(HookBody.receiversOffline(content: plain))
            XCTAssertNil(result["force"])
            let payload = try pushMessage(of: result)
            XCTAssertEqual(payload["alert"], .string("Tom: " + plain))
            XCTAssertEqual(payload.keys, ["alert", "badge", "sound"])
        }
    }

    func testNamesArriveIntactAndAreNotRenderedAgain() async throws {
        let name = "Tom \"}{{message.text}}\\\n"
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            _ = try await server.admin(.put, "/v1/clients/Tom", json: ["name": name])
            _ = try await server.admin(.put, "/v1/conversations/support-1", json: ["name": "{{sender.id}}\"]"])
            let result = try await server.receiversOffline(
                HookBody.receiversOffline(conversation: "support-1", content: HookBody.text("<b>&amp;</b>")))
            let payload = try pushMessage(of: result)
            XCTAssertEqual(payload["alert"], .string("[Support] {{sender.id}}\"] — \(name): <b>&amp;</b>"))
        }
    }

    func testMentionTextArrivesIntact() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let result = try await server.receiversOffline(
                HookBody.receiversOffline(content: HookBody.text(Self.nasty), mentionAll: true))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom @all: " + Self.nasty))
            XCTAssertEqual(result["force"], .bool(true))
        }
    }
}
