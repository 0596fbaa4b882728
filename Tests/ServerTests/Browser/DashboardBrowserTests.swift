import Foundation
import HTTPTypes
import Synchronization
@testable import Server
import XCTest

/// The dashboard in a real headless Chromium over WebDriver, against a real server on a
/// loopback socket: signing in and out, each page's numbers against their sources
/// (`/metrics`, `/v1/render`, `ab report --json`), an action taken from the page, and
/// hostile names shown as text. Each test saves screenshots of what it looked at.
final class DashboardBrowserTests: XCTestCase {
    /// Where screenshots go: `PUSHCOMPOSE_SCREENSHOT_DIR`, else a temporary directory.
    static let screenshots: URL = {
        let directory = ProcessInfo.processInfo.environment["PUSHCOMPOSE_SCREENSHOT_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("pushcompose-screenshots")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        print("DashboardBrowserTests: screenshots in \(directory.path)")
        return directory
    }()

    /// Saves what the browser shows, scrolled to `showing` when given.
    private static func save(_ driver: WebDriver, _ name: String, showing css: String? = nil) async throws {
        if let css { _ = try await driver.execute("document.querySelector(arguments[0]).scrollIntoView({ block: 'center' })", [css]) }
        try await driver.screenshot().write(to: screenshots.appendingPathComponent("\(name).png"))
    }

    /// A server with `configuration` and a browser, for `body`.
    private func withDashboard(
        _ configuration: ServerConfiguration, _ body: @escaping @Sendable (TestServer, WebDriver, String) async throws -> Void
    ) async throws {
        // Before a server starts: a test client dropped the moment its server came up
        // crashed the whole run (NIO: "Deinited NIOAsyncWriter without calling finish()").
        try WebDriver.requireBrowser()
        try await withServer(configuration) { server in
            let driver = try await WebDriver.start()
            do {
                try await body(server, driver, "http://127.0.0.1:\(server.port)")
                await driver.quit()
            } catch {
                await driver.quit()
                throw error
            }
        }
    }

    private static func signIn(_ driver: WebDriver, _ base: String) async throws {
        try await driver.navigate(base + "/dashboard/")
        try await driver.awaitPage("signin")
        try await driver.type(TestSecrets.adminToken, into: "#token")
        try await driver.click("#signin-submit")
        try await driver.awaitPage("overview")
    }

    private static func open(_ driver: WebDriver, _ page: String) async throws {
        try await driver.click("nav#nav a[href=\"#\(page)\"]")
        try await driver.awaitPage(page)
    }

    /// A fetch from the page itself, as its own scripts (or an injected one) would send it.
    private static func fetchStatus(_ driver: WebDriver, _ path: String, headers: [String: String] = [:]) async throws -> Int {
        let status = try await driver.executeAsync(
            """
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], { credentials: "same-origin", headers: arguments[1] }).then(r => done(r.status), e => done(-1));
            """, [path, headers])
        return (status as? Int) ?? -1
    }

    func testSigningInAndOutAndNothingWithoutASession() async throws {
        try await withDashboard(try makeConfiguration(adminToken: TestSecrets.adminToken)) { server, driver, base in
            try await driver.navigate(base + "/dashboard/")
            try await driver.awaitPage("signin")
            try await Self.save(driver, "signin")
            let before = try await Self.fetchStatus(driver, "/v1/overview")
            XCTAssertEqual(before, 401, "no data without a session")
            let checked1 = try await driver.execute("return document.querySelector('#nav').hidden") as? Bool
            XCTAssertEqual(checked1, true)

            try await driver.type("not-the-token", into: "#token")
            try await driver.click("#signin-submit")
            try await driver.wait(until: "const e = document.querySelector('#signin-error'); return !!e && e.textContent.trim().length > 0", "the sign-in error")
            let cookiesAfterWrongToken = try await driver.cookies()
            XCTAssertTrue(cookiesAfterWrongToken.isEmpty, "\(cookiesAfterWrongToken)")

            try await driver.type(TestSecrets.adminToken, into: "#token")
            try await driver.click("#signin-submit")
            try await driver.awaitPage("overview")
            let cookies = try await driver.cookies()
            let cookie = try XCTUnwrap(cookies.first { $0["name"] as? String == DashboardSessions.cookieName })
            XCTAssertEqual(cookie["httpOnly"] as? Bool, true)
            XCTAssertEqual(cookie["sameSite"] as? String, "Strict")
            XCTAssertNotNil(cookie["expiry"], "the session expires")
            let checked2 = try await driver.execute("return document.cookie") as? String
            XCTAssertEqual(checked2, "", "the page's scripts cannot read the session")
            let html = try await driver.execute("return document.documentElement.outerHTML") as? String ?? ""
            XCTAssertFalse(html.contains(TestSecrets.adminToken), "the token is not kept in the page")
            let storage = try await driver.execute("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage)") as? String
            XCTAssertEqual(storage, "{}{}")

            // The cookie alone opens nothing: the CSRF header must come with it.
            let cookieOnly = try await Self.fetchStatus(driver, "/v1/overview")
            XCTAssertEqual(cookieOnly, 401)

            try await driver.click("#signout")
            try await driver.awaitPage("signin")
            let afterSignOut = try await Self.fetchStatus(driver, "/v1/queue")
            XCTAssertEqual(afterSignOut, 401)
            let cookiesAfter = try await driver.cookies()
            XCTAssertFalse(cookiesAfter.contains { $0["name"] as? String == DashboardSessions.cookieName })

            // A forged session cookie is refused and the page asks to sign in.
            _ = try await driver.execute("document.cookie = 'pushcompose_session=4102444800.00000000000000000000000000000000.' + '0'.repeat(64) + '; path=/'")
            try await driver.navigate(base + "/dashboard/#queue")
            try await driver.awaitPage("signin")
            _ = server
        }
    }

    func testTheOverviewShowsWhatMetricsSays() async throws {
        try await withDashboard(try makeConfiguration(adminToken: TestSecrets.adminToken)) { server, driver, base in
            for index in 0..<7 {
                _ = try await server.receiversOffline(HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("hello \(index)")))
            }
            _ = try await server.call("_receiversOffline", json: ["convId": "broken"])  // a bad body: an error answer
            try await Self.signIn(driver, base)
            let metrics = try await server.admin(.get, "/metrics").text
            func metric(_ prefix: String) -> Double {
                metrics.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
            }
            let expected: [(tile: String, value: Double)] = [
                ("hookCalls", metric("pushcompose_hook_duration_seconds_count")),
                ("answersPush", metric(#"pushcompose_hook_answers_total{kind="push"}"#)),
                ("answersSkip", metric(#"pushcompose_hook_answers_total{kind="skip"}"#)),
                ("answersError", metric(#"pushcompose_hook_answers_total{kind="error"}"#)),
                ("coalesced", metric("pushcompose_coalesced_receivers_total")),
                ("renderFailures", metric("pushcompose_render_failures_total")),
            ]
            XCTAssertEqual(expected[1].value, 7)
            for (tile, value) in expected {
                let shown = try await driver.attribute("[data-metric=\"\(tile)\"] [data-value]", "data-value")
                XCTAssertEqual(shown.flatMap(Double.init), value, tile)
            }
            let charts = try await driver.execute("return document.querySelectorAll('svg.chart').length") as? Int
            XCTAssertGreaterThanOrEqual(charts ?? 0, 5, "calls, latency, answers, coalesced, render failures (queue depth: delivery is off)")
            try await Self.save(driver, "overview")
            try await driver.emulatePhone()
            try await driver.navigate(base + "/dashboard/#overview")
            try await driver.awaitPage("overview")
            let overflow = try await driver.execute("return document.documentElement.scrollWidth <= window.innerWidth + 1") as? Bool
            XCTAssertEqual(overflow, true, "no sideways scrolling of the page at phone width")
            try await Self.save(driver, "overview-phone")
        }
    }

    func testAMentionPreviewShowsTheMentionPayload() async throws {
        try await withDashboard(try makeConfiguration(adminToken: TestSecrets.adminToken)) { server, driver, base in
            let hook = HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("lunch at noon?"), mentioned: ["Spike"])
            let body = String(decoding: try JSONSerialization.data(withJSONObject: hook, options: [.sortedKeys]), as: UTF8.self)
            let rendered = try await server.admin(.post, "/v1/render", json: hook).json
            let spikePayload = try XCTUnwrap(rendered["receivers"]?.arrayValue?.first { $0["receiver"]?.stringValue == "Spike" }?["payload"]?.stringValue)
            XCTAssertTrue(spikePayload.contains("mentioned you"), spikePayload)

            try await Self.signIn(driver, base)
            try await Self.open(driver, "templates")
            try await driver.type(body, into: "textarea#preview-body")
            try await driver.click("button#preview-run")
            try await driver.wait(until: "return !!document.querySelector('#preview-receivers tr[data-receiver=\"Spike\"] td.payload')", "the preview")
            let spike = try await driver.text("#preview-receivers tr[data-receiver=\"Spike\"] td.payload")
            let jerry = try await driver.text("#preview-receivers tr[data-receiver=\"Jerry\"] td.payload")
            XCTAssertEqual(spike?.trimmingCharacters(in: .whitespacesAndNewlines), spikePayload)
            XCTAssertFalse(jerry?.contains("mentioned you") ?? true, jerry ?? "")
            let reason = try await driver.text("#preview-receivers tr[data-receiver=\"Spike\"] td.reason")
            XCTAssertFalse((reason ?? "").isEmpty, "each route says why")
            try await Self.save(driver, "templates", showing: "#preview-receivers")
        }
    }

    /// The endpoint refuses pushes until told to accept them.
    private final class Accepting: Sendable {
        private let state = Mutex(false)
        var isOn: Bool { state.withLock { $0 } }
        func turnOn() { state.withLock { $0 = true } }
    }

    func testARetriedDeadJobLeavesTheDeadList() async throws {
        let accepting = Accepting()
        let webhook = WebhookStandIn(answer: { _ in accepting.isOn ? .ok : .badRequest })
        try await webhook.serve { url, _ in
            var configuration = try makeConfiguration(adminToken: TestSecrets.adminToken)
            configuration.delivery.webhookURL = url
            configuration.delivery.webhookSecret = WebhookStandIn.secret
            try await withDashboard(configuration) { server, driver, base in
                let device = try await server.admin(.post, "/v1/clients/Spike/devices", json: ["provider": "webhook", "token": "spike-phone"])
                XCTAssertEqual(device.status, .created, device.text)
                // Spike is mentioned: his push differs from the answer's and goes to his device.
                _ = try await server.receiversOffline(HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("hi"), mentioned: ["Spike"]))
                _ = await webhook.pushes(1)
                try await eventually("the job is dead", timeout: .seconds(30)) {
                    (try await server.queueStats().counts(.webhook)).dead == 1
                }
                try await Self.signIn(driver, base)
                try await Self.open(driver, "queue")
                try await driver.wait(until: "return document.querySelectorAll('#dead-jobs tr[data-job-id]').length === 1", "the dead job")
                let reason = try await driver.text("#dead-jobs tr[data-job-id] td.reason")
                XCTAssertTrue(reason?.contains("400") ?? false, reason ?? "")
                try await Self.save(driver, "queue")

                accepting.turnOn()
                try await driver.click("#dead-jobs tr[data-job-id] button.retry")
                try await driver.wait(until: "return document.querySelector('dialog#confirm').open", "the confirmation")
                try await driver.click("#confirm-yes")
                try await driver.wait(until: "return document.querySelectorAll('#dead-jobs tr[data-job-id]').length === 0", "the dead list to empty")
                _ = await webhook.pushes(2)
                try await eventually("the job is delivered", timeout: .seconds(30)) {
                    (try await server.queueStats().counts(.webhook)).delivered == 1
                }
                let operations = try await server.auditRecords().filter { $0["kind"]?.stringValue == "operation" }
                XCTAssertEqual(operations.map { $0["action"]?.stringValue }, ["retryJob"])
                XCTAssertEqual(operations.first?["via"]?.stringValue, "dashboard")

                try await Self.open(driver, "devices")
                try await driver.type("Spike", into: "#devices-client")
                try await driver.click("#devices-load")
                try await driver.wait(until: "return !!document.querySelector('#devices-list tr[data-token=\"spike-phone\"]')", "Spike's device")
                try await Self.save(driver, "devices")
            }
        }
    }

    func testTheExperimentsPageShowsTheReport() async throws {
        let configuration = try experimentConfiguration()
        try await withDashboard(configuration) { server, driver, base in
            var calls: [String] = []
            for index in 0..<12 {
                let (_, record) = try await server.experimentCall(conversation: "ab-\(index)", to: ["u\(index)-a", "u\(index)-b"])
                calls.append(try XCTUnwrap(record["call"]?.stringValue))
            }
            _ = try await server.acceptedOpenEvents([0, 1, 2, 5, 8].map { ["type": "opened", "pushId": calls[$0], "receiver": "u\($0)-a"] as [String: Any] })
            await server.flushExposures()
            let run = try CLITests.run(["ab", "report", ExperimentFixture.name, "--json", "--data", configuration.data, "--templates", configuration.templates])
            XCTAssertEqual(run.status, 0, run.stderr)
            let report = try decodeJSON(run.stdout)
            let arms = try XCTUnwrap(report["arms"]?.arrayValue)
            XCTAssertEqual(arms.count, 2)

            try await Self.signIn(driver, base)
            try await Self.open(driver, "experiments")
            let section = "section.experiment[data-experiment=\"\(ExperimentFixture.name)\"]"
            for arm in arms {
                let variant = try XCTUnwrap(arm["variant"]?.stringValue)
                let fields: [(String, JSON?)] = [
                    ("exposures", arm["receivers"]), ("opens", arm["opens"]), ("rate", arm["openRate"]),
                    ("low", arm["interval"]?["low"]), ("high", arm["interval"]?["high"]), ("lift", arm["absoluteLift"]), ("p", arm["pValue"]),
                ]
                for (field, value) in fields {
                    let shown = try await driver.attribute("\(section) tr[data-variant=\"\(variant)\"] td[data-field=\"\(field)\"]", "data-value")
                    switch value {
                    case .number(let number)?: XCTAssertEqual(shown.flatMap(Double.init), number, "\(variant) \(field)")
                    default: XCTAssertEqual(shown, "", "\(variant) \(field): the report has none")
                    }
                }
                let verdict = try await driver.attribute("\(section) tr[data-variant=\"\(variant)\"] td[data-field=\"verdict\"]", "data-value")
                XCTAssertEqual(verdict, report["verdict"]?["kind"]?.stringValue)
            }
            let bars = try await driver.execute("return document.querySelectorAll(arguments[0] + ' svg.ci rect, ' + arguments[0] + ' svg.ci line').length", [section]) as? Int
            XCTAssertGreaterThanOrEqual(bars ?? 0, 2, "the intervals are drawn")
            try await Self.save(driver, "experiments")
        }
    }

    func testHostileNamesShowAsTextAndRunNothing() async throws {
        let hostile = "<img src=x onerror=alert(1)>"
        try await withDashboard(try makeConfiguration(adminToken: TestSecrets.adminToken)) { server, driver, base in
            let named = try await server.admin(.put, "/v1/conversations/\(hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", json: ["name": hostile])
            XCTAssertEqual(named.status, .ok, named.text)
            _ = try await server.receiversOffline(
                HookBody.receiversOffline(from: "<b>Tom</b>", conversation: hostile, to: ["Jerry"], content: HookBody.text("<script>alert(2)</script>")))
            try await Self.signIn(driver, base)
            try await Self.open(driver, "audit")
            try await driver.type(hostile, into: "#audit-conversation")
            try await driver.click("#audit-search")
            try await driver.wait(
                until: "return [...document.querySelectorAll('#audit-results tr td.conversation')].some(td => td.textContent === arguments[0])",
                with: [hostile], "the hostile conversation as text")
            try await driver.click("#audit-results tr[data-call] td.conversation")
            try await driver.wait(until: "const e = document.querySelector('pre#audit-explain'); return !!e && e.textContent.length > 0", "the explain text")
            let explained = try await driver.text("pre#audit-explain") ?? ""
            XCTAssertTrue(explained.contains("Jerry"), explained)
            try await Self.save(driver, "audit", showing: "pre#audit-explain")

            // The preview of the same call shows the payload's markup as text too.
            try await Self.open(driver, "templates")
            let body = String(decoding: try JSONSerialization.data(withJSONObject: HookBody.receiversOffline(
                conversation: hostile, to: ["Jerry"], content: HookBody.text("<img src=y onerror=alert(3)>"))), as: UTF8.self)
            try await driver.type(body, into: "textarea#preview-body")
            try await driver.click("button#preview-run")
            try await driver.wait(until: "return !!document.querySelector('#preview-receivers tr[data-receiver=\"Jerry\"] td.payload')", "the preview")
            let payload = try await driver.text("#preview-receivers tr[data-receiver=\"Jerry\"] td.payload") ?? ""
            XCTAssertTrue(payload.contains("<img src=y onerror=alert(3)>"), payload)

            let images = try await driver.execute("return document.querySelectorAll('main img, main script, main b').length") as? Int
            XCTAssertEqual(images, 0, "no markup from the data became elements")
            let alert = try await driver.alertText()
            XCTAssertNil(alert, "nothing ran")
            // The log is read for real: a message the page writes now is in it.
            _ = try await driver.execute("console.error('pushcompose log check')")
            let log = try await driver.browserLog()
            XCTAssertTrue(log.contains { $0.contains("pushcompose log check") }, "\(log)")
            let violations = log.filter { $0.contains("Content Security Policy") || $0.contains("Refused to") }
            XCTAssertEqual(violations, [], "the page itself keeps to its policy")
        }
    }
}
