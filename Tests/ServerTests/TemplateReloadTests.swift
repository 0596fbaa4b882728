import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// POST /v1/templates/reload: a good set is swapped in whole; a bad one is refused with
/// file:line and the previous set keeps answering.
final class TemplateReloadTests: XCTestCase {
    func testReloadSwapsInAnEditedSet() async throws {
        let templates = try copyOfShippedTemplates()
        var configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        configuration.templates = templates.path
        try await withServer(configuration) { server in
            let before = try await server.receiversOffline()
            XCTAssertEqual(try pushMessage(of: before)["alert"], .string("Tom: Holy crap!"))

            try Self.edit(templates.appendingPathComponent("default.yaml"), replacing: #"  alert: "{{sender.name}}: {{message.text}}""#, with: #"  alert: "New from {{sender.name}}: {{message.text}}""#)
            // Not before the reload.
            let unchanged = try await server.receiversOffline()
            XCTAssertEqual(try pushMessage(of: unchanged)["alert"], .string("Tom: Holy crap!"))

            let reload = try await server.admin(.post, "/v1/templates/reload")
            XCTAssertEqual(reload.status, .ok, reload.text)
            XCTAssertEqual(reload.headers[.contentType], "application/json")
            let names = try XCTUnwrap(reload.json["templates"]?.arrayValue).compactMap { $0["name"]?.stringValue }
            XCTAssertEqual(Set(names), ["default", "support", "private", "confidential"])

            let after = try await server.receiversOffline()
            XCTAssertEqual(try pushMessage(of: after)["alert"], .string("New from Tom: Holy crap!"))
        }
    }

    /// The signal an operator sends to a running `pushcompose serve`; and SIGTERM ends it
    /// after, with status 0. Its shutdown once deadlocked now and then in the SIGHUP
    /// watcher, so the exit is awaited against a deadline, not forever.
    func testSIGHUPReloadsARunningServerAndSIGTERMThenEndsIt() async throws {
        let templates = try copyOfShippedTemplates()
        let data = try makeTemporaryDirectory().appendingPathComponent("data")
        let server = try await ServeChildProcess.start(data: data, templates: templates)
        var ended = false
        defer { if !ended { server.send(signal: SIGKILL) } }
        let client = TestClient(host: "127.0.0.1", port: server.port)
        client.connect()
        func alert() async throws -> JSON? {
            let request = TestClient.Request(
                "/1.1/functions/_receiversOffline", method: .post, headers: [.contentType: "application/json"], body: jsonBody(HookBody.seed))
            let response = try await client.execute(request)
            guard let result = try decodeJSON(XCTUnwrap(response.body))["result"] else { return nil }
            return try pushMessage(of: result)["alert"]
        }
        let before = try await alert()
        XCTAssertEqual(before, .string("Tom: Holy crap!"))

        try Self.edit(templates.appendingPathComponent("default.yaml"), replacing: #"  alert: "{{sender.name}}: {{message.text}}""#, with: #"  alert: "New from {{sender.name}}: {{message.text}}""#)
        // Sent again until it takes: the server may answer before it watches for the signal
        // (one that comes earlier is ignored).
        try await eventually("the edited set answers after SIGHUP", timeout: .seconds(10)) {
            server.send(signal: SIGHUP)
            return try await alert() == .string("New from Tom: Holy crap!")
        }
        try await client.shutdown()

        server.send(signal: SIGTERM)
        let status = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await server.waitForExit() }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        ended = status != nil
        XCTAssertEqual(status, 0, "pushcompose serve had not exited 30 s after SIGTERM")
    }

    func testABrokenSetIsRefusedWithFileAndLineAndTheOldSetKeepsAnswering() async throws {
        let templates = try copyOfShippedTemplates()
        var configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        configuration.templates = templates.path
        try await withServer(configuration) { server in
            let file = templates.appendingPathComponent("support.yaml")
            let line = try Self.append("colour: blue\n", to: file)

            let reload = try await server.admin(.post, "/v1/templates/reload")
            XCTAssertEqual(reload.status, .unprocessableContent, reload.text)
            XCTAssertEqual(reload.headers[.contentType], "application/json")
            XCTAssertEqual(try reload.json["code"], .number(422))
            let error = try XCTUnwrap(try reload.json["error"]?.stringValue)
            XCTAssertTrue(error.contains("support.yaml:\(line): unknown key 'colour'"), error)

            // The shipped set still answers, for every template.
            let result = try await server.receiversOffline()
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: Holy crap!"))
            let support = try await server.receiversOffline(HookBody.receiversOffline(conversation: "support-3", content: "hi"))
            XCTAssertEqual(try pushMessage(of: support)["alert"], .string("[Support] support-3 — Tom: hi"))

            let metrics = try await server.client.execute(uri: "/metrics", method: .get).text
            XCTAssertTrue(metrics.contains("pushcompose_template_reload_failures_total 1"), metrics)
        }
    }

    func testABrokenMustacheTemplateIsRefused() async throws {
        let templates = try copyOfShippedTemplates()
        var configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        configuration.templates = templates.path
        try await withServer(configuration) { server in
            let file = templates.appendingPathComponent("default.yaml")
            let line = try Self.line(of: #"  alert: "{{sender.name}}: {{message.text}}""#, in: file)
            try Self.edit(file, replacing: #"  alert: "{{sender.name}}: {{message.text}}""#, with: #"  alert: "{{#sender}}{{name}}: {{message.text}}""#)

            let reload = try await server.admin(.post, "/v1/templates/reload")
            XCTAssertEqual(reload.status, .unprocessableContent, reload.text)
            let error = try XCTUnwrap(try reload.json["error"]?.stringValue)
            XCTAssertTrue(error.contains("default.yaml:\(line): "), error)

            let result = try await server.receiversOffline()
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: Holy crap!"))
        }
    }

    func testTheRefusalNeverShowsALinkedFilesContent() async throws {
        let templates = try copyOfShippedTemplates()
        let secret = templates.deletingLastPathComponent().appendingPathComponent("shadow")
        try "root: $6$SECRET-HASH$\ndaemon: x\n".write(to: secret, atomically: true, encoding: .utf8)
        var configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        configuration.templates = templates.path
        try await withServer(configuration) { server in
            let link = templates.appendingPathComponent("shadow.yaml")
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: secret.path)

            let reload = try await server.admin(.post, "/v1/templates/reload")
            XCTAssertEqual(reload.status, .unprocessableContent, reload.text)
            let error = try XCTUnwrap(try reload.json["error"]?.stringValue)
            XCTAssertTrue(error.contains("\(link.path):0: a symbolic link to outside the template directory"), error)
            for word in ["SECRET", "root", "daemon"] {
                XCTAssertFalse(reload.text.contains(word), "\(word) in \(reload.text)")
            }
        }
    }

    /// Reloads run one at a time off the pool that serves hooks: while several run, hooks
    /// are answered from the set in use, and every reload answers with the files as they
    /// were when it was asked.
    func testConcurrentReloadsWhileHooksAreServed() async throws {
        let templates = try copyOfShippedTemplates()
        var configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        configuration.templates = templates.path
        try await withServer(configuration) { server in
            let port = try XCTUnwrap(server.client.port)
            try Self.edit(templates.appendingPathComponent("default.yaml"), replacing: #"  alert: "{{sender.name}}: {{message.text}}""#, with: #"  alert: "New from {{sender.name}}: {{message.text}}""#)
            let reloads = ProcessInfo.processInfo.activeProcessorCount * 2 + 2
            let alerts = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<reloads {
                    group.addTask {
                        // A connection each: one connection's requests are answered in turn.
                        let client = TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(120)))
                        client.connect()
                        let response = try await client.execute(.init(
                            "/v1/templates/reload", method: .post, headers: Header.admin))
                        try await client.shutdown()
                        XCTAssertEqual(response.head.status, .ok, response.body.map { String(buffer: $0) } ?? "")
                        return nil
                    }
                }
                for _ in 0..<20 {
                    group.addTask {
                        try pushMessage(of: try await server.receiversOffline())["alert"]?.stringValue
                    }
                }
                return try await group.reduce(into: [String]()) { alerts, alert in alert.map { alerts.append($0) } }
            }
            XCTAssertEqual(alerts.count, 20)
            XCTAssertEqual(Set(alerts).subtracting(["Tom: Holy crap!", "New from Tom: Holy crap!"]), [])
            let after = try await server.receiversOffline()
            XCTAssertEqual(try pushMessage(of: after)["alert"], .string("New from Tom: Holy crap!"))
        }
    }

    /// A FIFO named like a template would block whoever opens it until a writer comes;
    /// more blocked reloads than the pool has threads would stall every hook.
    func testAFIFOInTheDirectoryStallsNeitherReloadsNorHooks() async throws {
        let templates = try copyOfShippedTemplates()
        let fifo = templates.appendingPathComponent("pipe.yaml")
        var configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        configuration.templates = templates.path
        try await withServer(configuration) { server in
            XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
            let port = try XCTUnwrap(server.client.port)
            let reloads = Task {
                try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<(ProcessInfo.processInfo.activeProcessorCount * 2 + 2) {
                        group.addTask {
                            let client = TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(120)))
                            client.connect()
                            let response = try await client.execute(.init("/v1/templates/reload", method: .post, headers: Header.admin))
                            try await client.shutdown()
                            XCTAssertEqual(response.head.status, .unprocessableContent)
                            return response.body.map { String(buffer: $0) } ?? ""
                        }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
            }
            for _ in 0..<10 {
                let result = try await server.receiversOffline()
                XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: Holy crap!"))
            }
            for body in try await reloads.value {
                XCTAssertTrue(body.contains("\(fifo.path):0: not a regular file"), body)
            }
        }
    }

    /// The deepest nesting a template may have loads on the loader's thread and renders
    /// on the pool's; nesting to YAML's own limit is refused, not a crash.
    func testTheDeepestNestingReloadsAndRenders() async throws {
        let templates = try copyOfShippedTemplates()
        var configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        configuration.templates = templates.path
        try await withServer(configuration) { server in
            let file = templates.appendingPathComponent("deep.yaml")
            let sections = String(repeating: "{{#mentionAll}}", count: 32) + String(repeating: "{{/mentionAll}}", count: 32)
            let lists = String(repeating: "[", count: 450) + String(repeating: "]", count: 450)
            let deep = "name: deep\nmatch:\n  conversations: [deep]\npush:\n  alert: \"\(sections){{message.text}}\"\n  deep: \(lists)\n"
            try deep.write(to: file, atomically: true, encoding: .utf8)
            let reload = try await server.admin(.post, "/v1/templates/reload")
            XCTAssertEqual(reload.status, .ok, reload.text)
            let result = try await server.receiversOffline(HookBody.receiversOffline(conversation: "deep", content: "hi"))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("hi"))

            // 999 levels, and a '*' for the anchor check to look at.
            let deepest = deep + "extra: [\"*x\", " + String(repeating: "[", count: 998) + String(repeating: "]", count: 998) + "]\n"
            try deepest.write(to: file, atomically: true, encoding: .utf8)
            let refused = try await server.admin(.post, "/v1/templates/reload")
            XCTAssertEqual(refused.status, .unprocessableContent, refused.text)
            XCTAssertTrue(refused.text.contains("deep.yaml:7: unknown key 'extra'"), refused.text)
        }
    }

    static func edit(_ file: URL, replacing old: String, with new: String) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(text.components(separatedBy: old).count, 2, "\(old) once in \(file.lastPathComponent)")
        try text.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
    }

    /// Appends `text`; returns its line number.
    static func append(_ text: String, to file: URL) throws -> Int {
        var existing = try String(contentsOf: file, encoding: .utf8)
        if !existing.hasSuffix("\n") { existing += "\n" }
        let line = existing.filter { $0 == "\n" }.count + 1
        try (existing + text).write(to: file, atomically: true, encoding: .utf8)
        return line
    }

    /// The 1-based line number of the line that equals `text`.
    static func line(of text: String, in file: URL) throws -> Int {
        let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        return try XCTUnwrap(lines.firstIndex(of: text)) + 1
    }
}
