import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import XCTest

/// A headless Chromium driven over the W3C WebDriver protocol by Debian's `chromedriver`,
/// started on a free loopback port for one test and stopped with it.
final class WebDriver: @unchecked Sendable {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// An element reference as WebDriver names it.
    struct Element {
        var id: String
    }

    private static let elementKey = "element-6066-11e4-a52e-4f735466cecf"
    private let process: Process
    private let client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
    private let base: String
    private var session = ""

    private init(process: Process, port: Int) {
        self.process = process
        base = "http://127.0.0.1:\(port)"
    }

    /// Fails, naming the packages, when the browser or its driver is not installed.
    static func requireBrowser() throws {
        for program in [chromium, chromedriver] where !FileManager.default.isExecutableFile(atPath: program) {
            throw Failure(description: "\(program) is missing: install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver), as .ci/run does")
        }
    }

    /// Starts the driver and a browser session.
    static func start(width: Int = 1280, height: Int = 900) async throws -> WebDriver {
        try requireBrowser()
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromedriver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1", "--log-level=OFF"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let driver = WebDriver(process: process, port: port)
        do {
            try await driver.awaitReady()
            let answer = try await driver.send(.POST, "/session", [
                "capabilities": ["alwaysMatch": [
                    "browserName": "chrome",
                    // An alert stays open for the test to find, rather than being dismissed.
                    "unhandledPromptBehavior": "ignore",
                    // Console messages (CSP violations among them) are kept for `browserLog`.
                    "goog:loggingPrefs": ["browser": "ALL"],
                    "goog:chromeOptions": [
                        "binary": chromium,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)"],
                    ] as [String: Any],
                ] as [String: Any]],
            ])
            guard let id = (answer as? [String: Any])?["sessionId"] as? String else { throw Failure(description: "no session in \(String(describing: answer))") }
            driver.session = id
        } catch {
            await driver.quit()
            throw error
        }
        return driver
    }

    /// The driver listens a moment after it starts: its status is asked until it is ready.
    private func awaitReady() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let status = try? await send(.GET, "/status") as? [String: Any], status["ready"] as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "chromedriver did not become ready")
    }

    private static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return channel.localAddress?.port ?? 0
    }

    func quit() async {
        if !session.isEmpty { _ = try? await send(.DELETE, "/session/\(session)") }
        // SIGKILL: a child of this process inherits its blocked signals, SIGTERM among them.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? await client.shutdown()
    }

    // MARK: Protocol

    @discardableResult
    private func send(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        } else if method == .POST {
            request.body = .bytes(ByteBuffer(string: "{}"))
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let json = try JSONSerialization.jsonObject(with: Data(buffer: bytes), options: [.fragmentsAllowed])
        let value = (json as? [String: Any])?["value"]
        if let error = (value as? [String: Any])?["error"] as? String {
            throw Failure(description: "\(error): \((value as? [String: Any])?["message"] as? String ?? "")")
        }
        return value is NSNull ? nil : value
    }

    private var sessionPath: String { "/session/\(session)" }

    // MARK: Commands

    func navigate(_ url: String) async throws {
        try await send(.POST, sessionPath + "/url", ["url": url])
    }

    func find(_ css: String) async throws -> Element {
        let value = try await send(.POST, sessionPath + "/element", ["using": "css selector", "value": css])
        guard let id = (value as? [String: Any])?[Self.elementKey] as? String else { throw Failure(description: "no element \(css): \(String(describing: value))") }
        return Element(id: id)
    }

    func click(_ css: String) async throws {
        let element = try await find(css)
        try await send(.POST, sessionPath + "/element/\(element.id)/click")
    }

    func type(_ text: String, into css: String) async throws {
        let element = try await find(css)
        try await send(.POST, sessionPath + "/element/\(element.id)/clear")
        try await send(.POST, sessionPath + "/element/\(element.id)/value", ["text": text])
    }

    /// Runs `script` (a function body: `return …`) in the page and gives its value back.
    func execute(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await send(.POST, sessionPath + "/execute/sync", ["script": script, "args": arguments])
    }

    /// Runs an asynchronous script: it ends by calling its last argument with the value.
    func executeAsync(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await send(.POST, sessionPath + "/execute/async", ["script": script, "args": arguments])
    }

    /// The element's text (`textContent`), nil when there is none.
    func text(_ css: String) async throws -> String? {
        try await execute("const e = document.querySelector(arguments[0]); return e ? e.textContent : null", [css]) as? String
    }

    func attribute(_ css: String, _ name: String) async throws -> String? {
        try await execute("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null", [css, name]) as? String
    }

    /// Waits until `predicate` (a script body returning a boolean, reading `arguments`)
    /// holds: checked at once, then inside the page at every change of its document (a
    /// MutationObserver), so the wait ends on the change itself. A script cut short by a
    /// new document (a navigation) is run again in it.
    func wait(
        until predicate: String, with arguments: [Any] = [], timeout: Duration = .seconds(20), _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let script = """
            const done = arguments[arguments.length - 1];
            const holds = () => { try { \(predicate) } catch (error) { return false; } };
            if (holds()) { done(true); return; }
            const observer = new MutationObserver(() => { if (holds()) { observer.disconnect(); done(true); } });
            observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
            """
        let deadline = ContinuousClock.now + timeout
        var held = false
        waiting: while case let left = deadline - ContinuousClock.now, left > .zero {
            try await send(.POST, sessionPath + "/timeouts", ["script": max(1, Int(left / .milliseconds(1)))])
            do {
                held = try await executeAsync(script, arguments) as? Bool == true
                break waiting
            } catch let failure as Failure where failure.description.contains("unloaded") || failure.description.contains("execution context") {
                continue  // the document was replaced while the script waited
            } catch let failure as Failure where failure.description.hasPrefix("script timeout") {
                break waiting
            }
        }
        try await send(.POST, sessionPath + "/timeouts", ["script": Self.defaultScriptTimeout])
        if held { return }
        let state = try await execute("const p = document.querySelector('main#page'); return p ? p.dataset.page + '/' + p.dataset.state + ': ' + p.textContent.slice(0, 400) : 'no page'")
        throw Failure(description: "timed out waiting for \(what); the page is \(state ?? "?")")
    }

    /// WebDriver's script timeout (ms) outside a wait, which sets its own.
    private static let defaultScriptTimeout = 30_000

    /// Waits for the page `name` to be shown and loaded.
    func awaitPage(_ name: String) async throws {
        try await wait(
            until: "const p = document.querySelector('main#page'); return p && p.dataset.page === arguments[0] && p.dataset.state === 'ready'",
            with: [name], "page \(name)")
    }

    /// The text of an open alert, nil when none is open.
    func alertText() async throws -> String? {
        do {
            return try await send(.GET, sessionPath + "/alert/text") as? String
        } catch let failure as Failure where failure.description.hasPrefix("no such alert") {
            return nil
        }
    }

    /// The browser's cookies for the current page, HttpOnly ones included.
    func cookies() async throws -> [[String: Any]] {
        try await send(.GET, sessionPath + "/cookie") as? [[String: Any]] ?? []
    }

    func deleteCookies() async throws {
        try await send(.DELETE, sessionPath + "/cookie")
    }

    func screenshot() async throws -> Data {
        guard let base64 = try await send(.GET, sessionPath + "/screenshot") as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }

    /// Emulates a phone's viewport (a headless window cannot be made that narrow).
    func emulatePhone(width: Int = 375, height: Int = 812) async throws {
        try await send(.POST, sessionPath + "/goog/cdp/execute", [
            "cmd": "Emulation.setDeviceMetricsOverride",
            "params": ["width": width, "height": height, "deviceScaleFactor": 2, "mobile": true] as [String: Any],
        ])
    }

    /// Messages the browser logged (console errors, CSP violations).
    func browserLog() async throws -> [String] {
        let entries = try await send(.POST, sessionPath + "/se/log", ["type": "browser"]) as? [[String: Any]] ?? []
        return entries.compactMap { $0["message"] as? String }
    }
}
