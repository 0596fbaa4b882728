import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// The admin API's bearer token, and the admin listener: `/v1/…` and `/metrics` on a port
/// of their own when configured, and then not on the hook listener.
final class AdminListenerTests: XCTestCase {
    func testTheBearerSchemeIsCaseInsensitive() async throws {
        try await withServer(try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)) { server in
            for value in ["Bearer", "bearer", "BEARER", "bEaReR"].map({ "\($0) \(TestSecrets.adminToken)" }) + ["Bearer   \(TestSecrets.adminToken)"] {
                let response = try await server.admin(.get, "/v1/templates", headers: [.authorization: value])
                XCTAssertEqual(response.status, .ok, value)
            }
            for value in ["Bearer\(TestSecrets.adminToken)", "Basic \(TestSecrets.adminToken)", "Bearer wrong", "bearer", "Bearer \(TestSecrets.adminToken) x", TestSecrets.adminToken] {
                let response = try await server.admin(.get, "/v1/templates", headers: [.authorization: value])
                XCTAssertEqual(response.status, .unauthorized, value)
                XCTAssertEqual(response.text, #"{"code":401,"error":"Unauthorized."}"#, value)
            }
        }
    }

    func testOneListenerServesEverythingByDefault() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        XCTAssertNil(configuration.adminPort)
        try await withServer(configuration) { server in
            XCTAssertNil(server.adminPort)
            let templates = try await server.admin(.get, "/v1/templates")
            XCTAssertEqual(templates.status, .ok)
            let metrics = try await server.client.execute(uri: "/metrics", method: .get)
            XCTAssertEqual(metrics.status, .ok)
            _ = try await server.receiversOffline()
        }
    }

    func testAnAdminListenerTakesTheAdminAPIAndMetricsOffTheHookListener() async throws {
        var configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        configuration.adminPort = 0
        try await withServer(configuration) { server in
            let adminPort = try XCTUnwrap(server.adminPort)
            XCTAssertNotEqual(adminPort, server.port)

            // The admin listener: the admin API, metrics, health; no hooks.
            let templates = try await server.onNewConnection(.get, "/v1/templates", port: adminPort, headers: Header.admin)
            XCTAssertEqual(templates.status, .ok)
            let refused = try await server.onNewConnection(.get, "/v1/templates", port: adminPort, headers: Header.bearer("wrong"))
            XCTAssertEqual(refused.status, .unauthorized)
            let health = try await server.onNewConnection(.get, "/healthz", port: adminPort)
            XCTAssertEqual(health.status, .ok)
            let hookThere = try await server.onNewConnection(.post, "/1.1/functions/_receiversOffline", port: adminPort, headers: Header.hook, body: jsonBody(HookBody.seed))
            XCTAssertEqual(hookThere.status, .notFound)

            // The hook listener: hooks and health; the admin API and metrics are not found there.
            _ = try await server.receiversOffline()
            let hookHealth = try await server.client.execute(uri: "/healthz", method: .get)
            XCTAssertEqual(hookHealth.status, .ok)
            for (method, path) in [(HTTPRequest.Method.get, "/v1/templates"), (.post, "/v1/templates/reload"), (.get, "/v1/clients/Jerry"), (.get, "/metrics")] {
                let response = try await server.admin(method, path)
                XCTAssertEqual(response.status, .notFound, path)
                XCTAssertEqual(response.headers[.contentType], "application/json", path)
            }

            // Metrics served on the admin listener count the hook listener's calls.
            let metrics = try await server.onNewConnection(.get, "/metrics", port: adminPort)
            XCTAssertEqual(metrics.status, .ok)
            let text = String(buffer: try XCTUnwrap(metrics.body))
            XCTAssertTrue(text.contains(#"pushcompose_hook_answers_total{kind="push"} 1"#), text)
        }
    }
}
