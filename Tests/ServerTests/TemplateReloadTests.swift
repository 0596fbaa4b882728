import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

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
