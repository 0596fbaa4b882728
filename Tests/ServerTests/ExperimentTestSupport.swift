import Foundation
import HTTPTypes
import HummingbirdTesting
import PushCompose
@testable import Server
import XCTest

/// What the experiment tests share: a template set with an A/B experiment, the events
/// token, and ways to read what the server recorded.
enum ExperimentFixture {
    static let name = "greeting-test"
    static let eventsToken = "test-events-token-0006"
    /// In the template's order, which is not alphabetical: the report keeps this order.
    static let variants = ["plain", "emoji"]

    /// A template for conversations `ab-*` declaring a 50/50 experiment: `plain` (the
    /// control, the default alert) against `emoji` (another alert).
    static func template(unit: String, extra: String = "") -> String {
        """
        name: greeting
        priority: 40
        match:
          conversations: ["ab-*"]
        experiment:
          name: \(name)
          unit: \(unit)
          minimumSample: 3
          variants:
            plain:
              control: true
              weight: 50
            emoji:
              weight: 50
              push:
                alert: "👋 {{sender.name}}: {{message.text}}"
        \(extra)
        """
    }

    /// The alert each variant gives `Tom: text`.
    static func alert(variant: String, text: String) -> String {
        variant == "emoji" ? "👋 Tom: \(text)" : "Tom: \(text)"
    }

    /// The variant the hash gives `unit`, worked out apart from the server.
    static func hashedVariant(of unit: String) -> String {
        variants[VariantAssignment.variant(bucket: VariantAssignment.bucket(experiment: name, unit: unit), weights: [50, 50])]
    }

    static func other(than variant: String) -> String { variant == "plain" ? "emoji" : "plain" }
}

extension XCTestCase {
    /// A copy of the shipped templates with the experiment template added.
    func experimentTemplates(unit: String = "conversation", extra: String = "") throws -> URL {
        let directory = try copyOfShippedTemplates()
        try ExperimentFixture.template(unit: unit, extra: extra)
            .write(to: directory.appendingPathComponent("greeting.yaml"), atomically: true, encoding: .utf8)
        return directory
    }

    /// A configuration with the experiment templates, the admin token and the events token.
    func experimentConfiguration(unit: String = "conversation", extra: String = "", data: URL? = nil) throws -> ServerConfiguration {
        var configuration = try makeConfiguration(adminToken: TestSecrets.adminToken, data: data)
        configuration.templates = try experimentTemplates(unit: unit, extra: extra).path
        configuration.eventsToken = ExperimentFixture.eventsToken
        return configuration
    }
}

extension TestServer {
    /// `POST /v1/events` with the events token unless `headers` says otherwise.
    func openEvents(_ json: [String: Any], headers: HTTPFields? = nil) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/events", method: .post, headers: headers ?? Header.bearer(ExperimentFixture.eventsToken), body: jsonBody(json))
    }

    /// Posts events that must be accepted and returns the answer.
    func acceptedOpenEvents(_ events: [[String: Any]], file: StaticString = #filePath, line: UInt = #line) async throws -> JSON {
        let response = try await openEvents(["events": events])
        XCTAssertEqual(response.status, .ok, response.text, file: file, line: line)
        return try response.json
    }

    /// Waits until the exposure recorder has written what the hook calls so far handed it.
    func flushExposures() async {
        await server.service.exposures.flush()
    }

    /// The experiment's report from the admin API, once the exposures are written.
    func experimentReport(_ name: String = ExperimentFixture.name, file: StaticString = #filePath, line: UInt = #line) async throws -> JSON {
        await flushExposures()
        let response = try await admin(.get, "/v1/experiments/\(name)/report")
        XCTAssertEqual(response.status, .ok, response.text, file: file, line: line)
        return try response.json
    }

    /// Every `_receiversOffline` decision in the audit log, in order, each with its call's
    /// `exposure` records gathered under `exposures` (the log writes them beside it).
    func hookRecords() async throws -> [JSON] {
        let records = try await auditRecords()
        let exposures = Dictionary(grouping: records.filter { $0["kind"] == .string("exposure") }) { $0["call"]?.stringValue ?? "" }
        return records.filter { $0["kind"] == .string("hook") }.map { record in
            guard case .object(let members) = record, let calls = exposures[record["call"]?.stringValue ?? ""] else { return record }
            return .object(members.merging(["exposures": .array(calls)]) { _, new in new })
        }
    }

    /// One hook call from Tom with `text`; the answer and the audit line it left.
    func experimentCall(
        conversation: String, to receivers: [String], text: String = "hello", file: StaticString = #filePath, line: UInt = #line
    ) async throws -> (result: JSON, record: JSON) {
        let result = try await receiversOffline(HookBody.receiversOffline(conversation: conversation, to: receivers, content: HookBody.text(text)))
        let records = try await hookRecords()
        let record = try XCTUnwrap(records.last, "no _receiversOffline record", file: file, line: line)
        XCTAssertEqual(record["conversation"], .string(conversation), "the last record is another call's", file: file, line: line)
        return (result, record)
    }
}

extension JSON {
    /// A report's arm by variant name.
    func arm(_ variant: String) -> JSON? {
        self["arms"]?.arrayValue?.first { $0["variant"] == .string(variant) }
    }

    /// A hook record's exposures (`hookRecords`), one per receiver: `receiver`, `variant`,
    /// `status` and `push` (each exposure record lists them per variant and status: the
    /// receivers, and the call's `push` or each receiver's of `pushes`).
    var exposureEntries: [JSON] {
        (self["exposures"]?.arrayValue ?? []).flatMap { group -> [JSON] in
            let pushes = group["pushes"]?.stringArray
            return (group["receivers"]?.stringArray ?? []).enumerated().map { index, receiver in
                let push = pushes.map { $0.count == 1 ? $0.first : $0.indices.contains(index) ? $0[index] : nil } ?? group["push"]?.stringValue
                return .object([
                    "receiver": .string(receiver), "variant": group["variant"] ?? .null, "status": group["status"] ?? .null,
                    "push": push.map(JSON.string) ?? .null,
                ])
            }
        }
    }

    /// A number member as an Int (counts in reports and answers).
    func int(_ key: String) -> Int? { self[key]?.numberValue.map { Int($0) } }
}
