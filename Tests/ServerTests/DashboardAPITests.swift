import AuditLog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// The dashboard's server side over real sockets: the session it signs in with, the
/// admin API taken with that session, the overview's numbers, the chain's verify state,
/// and the audit records of operators' actions.
final class DashboardAPITests: XCTestCase {
    private static let csrfHeader = HTTPField.Name(DashboardSessions.csrfHeader)!

    private struct SignedIn {
        var cookie: String
        var csrf: String
        var headers: HTTPFields { [.cookie: cookie, DashboardAPITests.csrfHeader: csrf] }
    }

    private static func signIn(_ server: TestServer, token: String = TestSecrets.adminToken) async throws -> SignedIn {
        let response = try await server.admin(.post, "/dashboard/api/session", json: ["token": token], headers: [:])
        XCTAssertEqual(response.status, .ok, response.text)
        let setCookie = try XCTUnwrap(response.headers[.setCookie])
        let pair = try XCTUnwrap(setCookie.split(separator: ";").first.map(String.init))
        return SignedIn(cookie: pair, csrf: try XCTUnwrap(response.json["csrf"]?.stringValue))
    }

    func testASessionOpensTheAdminAPIOnlyWithItsCSRFHeader() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let wrong = try await server.admin(.post, "/dashboard/api/session", json: ["token": "not-it"], headers: [:])
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertNil(wrong.headers[.setCookie])
            let unknownMember = try await server.admin(.post, "/dashboard/api/session", json: ["tokn": TestSecrets.adminToken], headers: [:])
            XCTAssertEqual(unknownMember.status, .badRequest)

            let response = try await server.admin(.post, "/dashboard/api/session", json: ["token": TestSecrets.adminToken], headers: [:])
            let setCookie = try XCTUnwrap(response.headers[.setCookie])
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
                XCTAssertTrue(setCookie.contains(attribute), setCookie)
            }
            XCTAssertFalse(response.text.contains(TestSecrets.adminToken), "the token is never sent back")
            let session = try await Self.signIn(server)

            let withSession = try await server.admin(.get, "/v1/templates", headers: session.headers)
            XCTAssertEqual(withSession.status, .ok, withSession.text)
            let state = try await server.admin(.get, "/dashboard/api/session", headers: [.cookie: session.cookie])
            XCTAssertEqual(try state.json["csrf"]?.stringValue, session.csrf)

            let noHeader = try await server.admin(.get, "/v1/templates", headers: [.cookie: session.cookie])
            XCTAssertEqual(noHeader.status, .unauthorized, "a cookie alone is what a forged cross-site request has")
            var crossSite = session.headers
            crossSite[HTTPField.Name("Sec-Fetch-Site")!] = "cross-site"
            let fromElsewhere = try await server.admin(.get, "/v1/templates", headers: crossSite)
            XCTAssertEqual(fromElsewhere.status, .unauthorized)
            var forged = session
            forged.cookie = String(session.cookie.dropLast()) + (session.cookie.hasSuffix("0") ? "1" : "0")
            let forgedAnswer = try await server.admin(.get, "/v1/queue", headers: forged.headers)
            XCTAssertEqual(forgedAnswer.status, .unauthorized)
            let otherHeader = try await server.admin(.get, "/v1/queue", headers: [.cookie: session.cookie, Self.csrfHeader: String(repeating: "0", count: 64)])
            XCTAssertEqual(otherHeader.status, .unauthorized)

            let signOut = try await server.admin(.delete, "/dashboard/api/session", headers: session.headers)
            XCTAssertEqual(signOut.status, .noContent)
            XCTAssertTrue(try XCTUnwrap(signOut.headers[.setCookie]).contains("Max-Age=0"))
            let afterSignOut = try await server.admin(.get, "/v1/templates", headers: session.headers)
            XCTAssertEqual(afterSignOut.status, .unauthorized, "a signed-out cookie is refused even if a copy was kept")
            let stateAfter = try await server.admin(.get, "/dashboard/api/session", headers: [.cookie: session.cookie])
            XCTAssertEqual(stateAfter.status, .unauthorized)
            XCTAssertEqual(try stateAfter.json["signedIn"], .bool(false))
        }
    }

    func testChangingTheTokenOrTheClockEndsASession() throws {
        let now = Date()
        let sessions = DashboardSessions(adminToken: "first-token")
        let session = sessions.issue(now: now)
        XCTAssertNotNil(sessions.session(cookie: session.cookieValue, now: now))
        XCTAssertNotNil(DashboardSessions(adminToken: "first-token").session(cookie: session.cookieValue, now: now), "another instance with the token")
        XCTAssertNil(DashboardSessions(adminToken: "second-token").session(cookie: session.cookieValue, now: now), "a new token signs out")
        XCTAssertNil(sessions.session(cookie: session.cookieValue, now: now.addingTimeInterval(sessions.lifetime + 1)), "expired")
        // The expiry is sealed: moving it forward breaks the MAC.
        let parts = session.cookieValue.split(separator: ".")
        let extended = "\(Int(parts[0])! + 86_400).\(parts[1]).\(parts[2])"
        XCTAssertNil(sessions.session(cookie: extended, now: now))
        XCTAssertNil(sessions.session(cookie: "garbage", now: now))
        XCTAssertNotEqual(session.csrf, sessions.issue(now: now).csrf, "each session has its own CSRF token")
    }

    func testTheDashboardIsServedWithAStrictPolicyAndIsOffWithoutAToken() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let redirect = try await server.admin(.get, "/dashboard", headers: [:])
            XCTAssertEqual(redirect.status, .found)
            XCTAssertEqual(redirect.headers[.location], "/dashboard/")
            let page = try await server.admin(.get, "/dashboard/", headers: [:])
            XCTAssertEqual(page.status, .ok)
            XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
            let policy = try XCTUnwrap(page.headers[.contentSecurityPolicy])
            XCTAssertTrue(policy.contains("script-src 'self'"), policy)
            XCTAssertFalse(policy.contains("unsafe-inline"), policy)
            XCTAssertEqual(page.headers[HTTPField.Name("X-Frame-Options")!], "DENY")
            XCTAssertFalse(page.text.contains("<script>"), "no inline script")
            let missing = try await server.admin(.get, "/dashboard/assets/nothing.js", headers: [:])
            XCTAssertEqual(missing.status, .notFound)
            let traversal = try await server.admin(.get, "/dashboard/assets/..%2F..%2FPackage.swift", headers: [:])
            XCTAssertEqual(traversal.status, .notFound)
        }
        try await withServer(try makeConfiguration(secured: true)) { server in
            let signIn = try await server.admin(.post, "/dashboard/api/session", json: ["token": ""], headers: [:])
            XCTAssertEqual(signIn.status, .forbidden)
            XCTAssertTrue(signIn.text.contains("PUSHCOMPOSE_ADMIN_TOKEN"), signIn.text)
        }
    }

    func testTheOverviewsTotalsAreTheMetrics() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            for index in 0..<5 {
                _ = try await server.receiversOffline(HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("hello \(index)")))
            }
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": true])
            _ = try await server.receiversOffline(HookBody.receiversOffline(to: ["Jerry"], content: HookBody.text("muted")))
            let session = try await Self.signIn(server)
            let overview = try await server.admin(.get, "/v1/overview", headers: session.headers).json
            let metrics = try await server.admin(.get, "/metrics").text
            func value(_ series: String) -> Double {
                metrics.split(separator: "\n").filter { $0.hasPrefix(series) }.compactMap { line in
                    line.split(separator: " ").last.flatMap { Double($0) }
                }.reduce(0, +)
            }
            XCTAssertEqual(overview["totals"]?["hookCalls"]?.numberValue, value("pushcompose_hook_duration_seconds_count"))
            XCTAssertEqual(overview["totals"]?["hookCalls"]?.numberValue, 7)
            for kind in ["push", "skip", "error"] {
                XCTAssertEqual(overview["totals"]?["answers"]?[kind]?.numberValue, value(#"pushcompose_hook_answers_total{kind="\#(kind)"}"#), kind)
            }
            XCTAssertEqual(overview["totals"]?["answers"]?["push"]?.numberValue, 6, "the muted receiver's call is answered too, with the receiver left out")
            XCTAssertEqual(overview["totals"]?["queueDepth"], .null, "no provider is on")
            let p50 = try XCTUnwrap(overview["latency"]?["p50Seconds"]?.numberValue, "the history's first sample is the baseline")
            XCTAssertGreaterThan(p50, 0)
        }
    }

    func testQuantilesAreInterpolatedWithinTheirBucket() {
        let exposition = """
            # TYPE pushcompose_hook_duration_seconds histogram
            pushcompose_hook_duration_seconds_bucket{function="_receiversOffline",le="0.001"} 50
            pushcompose_hook_duration_seconds_bucket{function="_receiversOffline",le="0.01"} 90
            pushcompose_hook_duration_seconds_bucket{function="_receiversOffline",le="+Inf"} 100
            pushcompose_hook_duration_seconds_count{function="_receiversOffline"} 100
            pushcompose_hook_duration_seconds_bucket{function="_clientOnline",le="0.001"} 0
            pushcompose_hook_duration_seconds_bucket{function="_clientOnline",le="0.01"} 0
            pushcompose_hook_duration_seconds_bucket{function="_clientOnline",le="+Inf"} 0
            pushcompose_hook_duration_seconds_count{function="_clientOnline"} 0
            pushcompose_hook_answers_total{kind="push"} 98
            pushcompose_hook_answers_total{subkind="skip",kind="error"} 2
            pushcompose_render_failures_total{template="a"} 2
            pushcompose_render_failures_total{template="b"} 3
            pushcompose_queue_jobs{provider="webhook",state="ready"} 4
            pushcompose_queue_jobs{provider="webhook",state="leased"} 1
            pushcompose_queue_jobs{provider="webhook",state="dead"} 7
            """
        let snapshot = MetricsSnapshot(exposition: exposition, time: 100, queueOn: true)
        XCTAssertEqual(snapshot.hookCalls, 100)
        XCTAssertEqual(snapshot.answers["push"], 98)
        XCTAssertEqual(snapshot.answers["error"], 2, "a label is matched by its whole name")
        XCTAssertNil(snapshot.answers["skip"])
        XCTAssertEqual(snapshot.renderFailures, 5)
        XCTAssertEqual(snapshot.queueDepth, 5, "ready and leased, not dead")
        XCTAssertEqual(snapshot.latencyQuantile(0.5, since: nil)!, 0.001, accuracy: 1e-12)
        // The 75th of 100 lies 25 of the 40 calls into (1 ms, 10 ms].
        XCTAssertEqual(snapshot.latencyQuantile(0.75, since: nil)!, 0.001 + 0.009 * 25 / 40, accuracy: 1e-12)
        XCTAssertEqual(snapshot.latencyQuantile(0.99, since: nil)!, 0.01, accuracy: 1e-12, "past the last bound: that bound")
        XCTAssertNil(snapshot.latencyQuantile(0.5, since: snapshot), "no call in between")
        XCTAssertNil(MetricsSnapshot(exposition: exposition, time: 100, queueOn: false).queueDepth)
    }

    func testTheVerifyStateAndOperatorActionsAreKept() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            _ = try await server.receiversOffline(HookBody.receiversOffline(to: ["Jerry"], content: HookBody.text("one")))
            let before = try await server.admin(.get, "/v1/audit/verify").json
            XCTAssertEqual(before["state"]?.stringValue, "unchecked")
            let session = try await Self.signIn(server)
            let reload = try await server.admin(.post, "/v1/templates/reload", headers: session.headers)
            XCTAssertEqual(reload.status, .ok, reload.text)
            let retry = try await server.admin(.post, "/v1/queue/dead/retry")
            XCTAssertEqual(retry.status, .ok, retry.text)
            let operations = try await server.auditRecords().filter { $0["kind"]?.stringValue == "operation" }
            XCTAssertEqual(operations.map { $0["action"]?.stringValue }, ["reloadTemplates", "retryAllDead"])
            XCTAssertEqual(operations.map { $0["via"]?.stringValue }, ["dashboard", "api"])
            XCTAssertEqual(operations[1]["count"]?.numberValue, 0)

            let verified = try await server.admin(.post, "/v1/audit/verify", headers: session.headers).json
            XCTAssertEqual(verified["state"]?.stringValue, "ok")
            XCTAssertEqual(verified["report"]?["holds"], .bool(true))
            let kept = try await server.admin(.get, "/v1/audit/verify").json
            XCTAssertEqual(kept["state"]?.stringValue, "ok", "kept")

            // An edited record breaks the chain, and the state says so.
            let directory = server.audit.directory
            let file = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".jsonl") })
            let url = directory.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: #""via":"api""#, with: #""via":"cli""#).write(to: url, atomically: false, encoding: .utf8)
            let broken = try await server.admin(.post, "/v1/audit/verify").json
            XCTAssertEqual(broken["state"]?.stringValue, "broken")
            XCTAssertEqual(broken["report"]?["streams"]?[0]?["problem"]?["file"]?.stringValue, file)
        }
    }

    func testTheTemplatesListHasItsLintStateAndThePreviewSaysWhy() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let templates = try await server.admin(.get, "/v1/templates").json
            XCTAssertEqual(templates["lint"]?["state"]?.stringValue, "ok")
            XCTAssertEqual(templates["lint"]?["warnings"]?.arrayValue?.count, 0)
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Spike", "convId": "conv-1", "mute": true])
            let preview = try await server.admin(
                .post, "/v1/render", json: HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("hi"))).json
            let receivers = try XCTUnwrap(preview["receivers"]?.arrayValue)
            let jerry = try XCTUnwrap(receivers.first { $0["receiver"]?.stringValue == "Jerry" })
            let spike = try XCTUnwrap(receivers.first { $0["receiver"]?.stringValue == "Spike" })
            XCTAssertEqual(jerry["route"]?.stringValue, "answer")
            XCTAssertTrue(try XCTUnwrap(jerry["reason"]?.stringValue).hasPrefix("built-in answer"))
            XCTAssertEqual(spike["route"]?.stringValue, "muted")
            XCTAssertTrue(try XCTUnwrap(spike["reason"]?.stringValue).contains("muted the conversation"))
        }
    }
}
