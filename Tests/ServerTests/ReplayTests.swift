import AuditLog
import Foundation
import PushCompose
@testable import Server
import Templates
import XCTest

/// `pushcompose replay`: hook calls recorded by a real server (real SQLite, audit files,
/// a webhook device) composed again with another template set. Every expectation is
/// counted from the calls the test made, not from what the replay reads.
final class ReplayTests: XCTestCase {
    /// One `_receiversOffline` call the recording makes.
    struct Call {
        var conversation: String
        var to: [String]
        var content = HookBody.text("Lunch?")
        var mentioned: [String] = []
        var mentionAll = false
        /// The template the server selects for it.
        var template: String
    }

    /// The calls recorded, with the call id the server gave each, and where.
    struct Recording {
        var configuration: ServerConfiguration
        var calls: [(id: String, call: Call)]
        /// The shipped templates and `greeting` (a receiver-unit experiment in `ab-*`).
        var templates: URL
    }

    /// Receivers of the experiment calls: both variants among them at 50/50.
    static let experimentReceivers = (1...8).map { "ab-receiver-\($0)" }

    /// Each shape of decision a few times: plain text; a mention in a group (the
    /// mentioned receiver coalesced); a muted receiver forced by a mention, and one not
    /// forced; a group split by locale; a support conversation with a name; privacy;
    /// a mentioned receiver with a webhook device (queued); mention-all; an image; an
    /// experiment's variants.
    static let calls: [Call] = {
        var calls: [Call] = []
        func add(_ count: Int, _ call: Call) { calls += Array(repeating: call, count: count) }
        for index in 1...5 { calls.append(Call(conversation: "conv-1", to: ["Jerry"], content: HookBody.text("Hello \(index)"), template: "default")) }
        add(3, Call(conversation: "conv-2", to: ["Jerry", "Spike"], mentioned: ["Spike"], template: "default"))
        add(2, Call(conversation: "conv-muted", to: ["Jerry"], mentioned: ["Jerry"], template: "default"))
        add(2, Call(conversation: "conv-muted", to: ["Jerry", "Spike"], template: "default"))
        add(3, Call(conversation: "conv-3", to: ["Jerry", "Lin", "Mei"], template: "default"))
        add(3, Call(conversation: "support-1", to: ["Jerry", "Spike"], template: "support"))
        add(1, Call(conversation: "support-2", to: ["Butch"], mentioned: ["Butch"], template: "support"))
        add(2, Call(conversation: "support-1", to: ["Jerry", "Spike", "Butch"], mentioned: ["Spike"], template: "support"))
        add(2, Call(conversation: "secure-1", to: ["Jerry"], template: "private"))
        add(3, Call(conversation: "conv-4", to: ["Jerry", "Tyke"], mentioned: ["Tyke"], template: "default"))
        add(2, Call(conversation: "conv-5", to: ["Jerry", "Spike"], mentionAll: true, template: "default"))
        add(1, Call(conversation: "conv-1", to: ["Jerry", "Spike"], content: #"{"_lctype":-2}"#, template: "default"))
        add(2, Call(conversation: "ab-1", to: experimentReceivers, template: "greeting"))
        return calls
    }()

    // MARK: - Tests

    func testTheSameTemplatesChangeNothing() async throws {
        try await withRecording { recording in
            let report = try await replay(recording, templates: try copy(recording.templates))
            XCTAssertEqual(report.callsRead, Self.calls.count)
            XCTAssertEqual(report.replayed, Self.calls.count)
            XCTAssertEqual(report.notReplayable, [:])
            XCTAssertEqual(report.total.receivers, Self.calls.map(\.to.count).reduce(0, +))
            XCTAssertEqual(report.total.changed, 0, "\(report.text)")
            XCTAssertEqual(Set(report.byTemplate.keys), ["default", "support", "private", "greeting"])
            // Every route and the variants were there to compare.
            let records = try readAuditRecords(in: URL(fileURLWithPath: recording.configuration.data).appendingPathComponent("audit"))
                .filter { $0["kind"] == .string("hook") }
            for member in ["coalesced", "custom", "mutedUnforced"] {
                XCTAssertTrue(records.contains { !($0[member]?.arrayValue ?? []).isEmpty }, "no record with \(member)")
            }
            XCTAssertTrue(records.contains { $0["groups"]?.arrayValue?.contains { $0["variant"] == .string("emoji") } == true })
            XCTAssertTrue(records.contains { $0["groups"]?.arrayValue?.contains { $0["locale"] == .string("zh-Hans") } == true })
        }
    }

    func testAChangedTextReportsExactlyTheReceiversOfItsCalls() async throws {
        try await withRecording { recording in
            let templates = try copy(recording.templates)
            // The support template's own texts (before its locales): its receivers here have none.
            let file = templates.appendingPathComponent("support.yaml")
            let yaml = try String(contentsOf: file, encoding: .utf8)
            let changed = yaml.replacingOccurrences(of: #"alert: "[Support]"#, with: #"alert: "[Help]"#)
            XCTAssertNotEqual(changed, yaml)
            try changed.write(to: file, atomically: true, encoding: .utf8)

            let report = try await replay(recording, templates: templates, examples: 1000)
            let expected = Set(recording.calls.filter { $0.call.template == "support" }.flatMap { id, call in call.to.map { "\(id) \($0)" } })
            XCTAssertEqual(expected.count, 13)
            XCTAssertEqual(Set(Self.changedReceivers(report)), expected)
            XCTAssertEqual(report.total.changed, expected.count)
            XCTAssertEqual(report.total.fields, [.payload: expected.count])
            XCTAssertEqual(report.byTemplate["support"]?.changed, expected.count)
            for (template, tally) in report.byTemplate where template != "support" {
                XCTAssertEqual(tally.changed, 0, template)
            }
            for example in report.byTemplate["support"]?.examples ?? [] {
                let change = try XCTUnwrap(example.changes.first)
                XCTAssertTrue(change.before?.contains("[Support]") == true, "\(change)")
                XCTAssertTrue(change.after?.contains("[Help]") == true, "\(change)")
            }

            // Three examples per template by default.
            let fewer = try await replay(recording, templates: templates)
            XCTAssertEqual(fewer.byTemplate["support"]?.examples.count, 3)
            XCTAssertEqual(fewer.total.changed, expected.count)
        }
    }

    func testAForceChangeIsReportedAsOne() async throws {
        try await withRecording { recording in
            let templates = try copy(recording.templates)
            let file = templates.appendingPathComponent("default.yaml")
            let yaml = try String(contentsOf: file, encoding: .utf8)
            let changed = yaml.replacingOccurrences(of: "force: mentions", with: "force: never")
            XCTAssertNotEqual(changed, yaml)
            try changed.write(to: file, atomically: true, encoding: .utf8)

            let report = try await replay(recording, templates: templates, examples: 1000)
            // Every mentioned receiver of a template that inherits the default's force
            // (private says `never` itself) loses it.
            let mentioned = recording.calls.filter { $0.call.template != "private" }.flatMap { id, call in
                call.to.filter { call.mentionAll || call.mentioned.contains($0) }.map { "\(id) \($0)" }
            }
            XCTAssertEqual(mentioned.count, 15)
            // The muted receiver who was forced through is now not pushed.
            let forcedThroughMute = recording.calls.filter { $0.call.conversation == "conv-muted" && !$0.call.mentioned.isEmpty }.map { "\($0.id) Jerry" }
            XCTAssertEqual(forcedThroughMute.count, 2)
            XCTAssertEqual(Set(Self.changedReceivers(report)), Set(mentioned))
            XCTAssertEqual(report.total.fields, [.force: mentioned.count, .route: forcedThroughMute.count, .payload: forcedThroughMute.count])
            for example in report.byTemplate.values.flatMap(\.examples) {
                let force = try XCTUnwrap(example.changes.first { $0.field == .force }, "\(example)")
                XCTAssertEqual(force.before, "true")
                XCTAssertEqual(force.after, "false")
                if forcedThroughMute.contains("\(example.call) \(example.receiver)") {
                    let route = try XCTUnwrap(example.changes.first { $0.field == .route })
                    XCTAssertEqual(route.before, "answered")
                    XCTAssertEqual(route.after, "mutedUnforced")
                }
            }
        }
    }

    /// Bandit weights or overrides that changed since do not move a recorded receiver to
    /// another variant: the replay forces each receiver's recorded one.
    func testVariantsAreForcedAsRecorded() async throws {
        try await withRecording { recording in
            let templates = try copy(recording.templates)
            let file = templates.appendingPathComponent("greeting.yaml")
            let yaml = try String(contentsOf: file, encoding: .utf8)
            // The control (listed first) from 50 to 1, the other from 50 to 99.
            var changed = yaml
            changed.replaceSubrange(try XCTUnwrap(changed.range(of: "weight: 50")), with: "weight: 1")
            changed = changed.replacingOccurrences(of: "weight: 50", with: "weight: 99")
            try changed.write(to: file, atomically: true, encoding: .utf8)
            // By the new weights the hash would move some receivers (worked out apart from the server).
            let moved = Self.experimentReceivers.filter { receiver in
                let bucket = VariantAssignment.bucket(experiment: ExperimentFixture.name, unit: receiver)
                return VariantAssignment.variant(bucket: bucket, weights: [50, 50]) != VariantAssignment.variant(bucket: bucket, weights: [1, 99])
            }
            XCTAssertFalse(moved.isEmpty, "the new weights must move a receiver for this test to mean something")
            XCTAssertTrue(changed.contains("weight: 1\n") && changed.contains("weight: 99"), changed)

            let report = try await replay(recording, templates: templates)
            XCTAssertEqual(report.replayed, Self.calls.count)
            XCTAssertEqual(report.total.changed, 0, report.text)
        }
    }

    /// Records without the call's input (`auditText: hash`) are counted with the reason;
    /// `--limit`, `--since` and `--until` bound what is replayed.
    func testRecordsWithoutInputAreCountedAndTheRangeIsKept() async throws {
        try await withRecording { recording in
            var hashed = recording.configuration
            hashed.auditText = .hash
            try await withServer(hashed) { server in
                for _ in 0..<3 { _ = try await server.receiversOffline(HookBody.seed) }
                await server.audit.flush()
            }
            let report = try await replay(recording, templates: recording.templates)
            XCTAssertEqual(report.callsRead, Self.calls.count + 3)
            XCTAssertEqual(report.replayed, Self.calls.count)
            XCTAssertEqual(report.notReplayable, ["no input (recorded with auditText hash or none)": 3])
            XCTAssertEqual(report.total.changed, 0)
            XCTAssertTrue(report.text.contains("3  no input (recorded with auditText hash or none)"), report.text)

            let limited = try await replay(recording, templates: recording.templates, limit: 5)
            XCTAssertEqual(limited.replayed, 5)
            XCTAssertEqual(limited.callsRead, 5)
            XCTAssertTrue(limited.stoppedAtLimit)
            XCTAssertEqual(limited.total.receivers, Self.calls.prefix(5).map(\.to.count).reduce(0, +))

            // From the tenth recorded call, before the twentieth.
            let times = try readAuditRecords(in: URL(fileURLWithPath: recording.configuration.data).appendingPathComponent("audit"))
                .filter { $0["kind"] == .string("hook") }.compactMap { $0["time"]?.stringValue }
            let since = times[9], until = times[19]
            let expected = times.filter { $0 >= since && $0 < until }.count
            let ranged = try await replay(recording, templates: recording.templates, since: since, until: until)
            XCTAssertEqual(ranged.callsRead, expected)
            XCTAssertEqual(ranged.replayed, expected)
        }
    }

    /// Every instance's stream is read, merged by time; a record written before schema 1
    /// is counted as not replayable, and other kinds and torn lines are no hook calls.
    func testStreamsAndLegacyRecords() async throws {
        try await withRecording { recording in
            let audit = URL(fileURLWithPath: recording.configuration.data).appendingPathComponent("audit")
            for file in try XCTUnwrap(try AuditDirectory(url: audit).streams()[""]) {
                var name = file.name
                name.stream = "instance-2"
                try FileManager.default.copyItem(at: file.url, to: audit.appendingPathComponent(name.description))
            }
            let legacy = #"{"time":"2020-01-01T00:00:00.000Z","type":"hook","function":"_receiversOffline","call":"c","conversation":"conv-1","kind":"text"}"#
            let update = #"{"time":"2020-01-01T00:00:01.000Z","type":"hook","function":"_conversationUpdate","conversation":"conv-1"}"#
            let torn = #"{"time":"2020-01-01T00:00:02.000Z","v":1,"kind":"hook","call":"#
            try (legacy + "\n" + update + "\n" + torn).write(to: audit.appendingPathComponent("audit-2020-01-01.jsonl"), atomically: true, encoding: .utf8)

            let report = try await replay(recording, templates: recording.templates)
            XCTAssertEqual(report.replayed, 2 * Self.calls.count)
            XCTAssertEqual(report.notReplayable, ["written before schema 1 (no input)": 1])
            XCTAssertEqual(report.callsRead, 2 * Self.calls.count + 1)
            XCTAssertEqual(report.total.changed, 0)

            // Oldest first across the streams: the legacy record, then each stream's first call.
            let first = try await replay(recording, templates: recording.templates, limit: 2)
            XCTAssertEqual(first.callsRead, 3)
            XCTAssertEqual(first.total.receivers, 2 * Self.calls[0].to.count)
        }
    }

    /// A record's time read by position is the time a date formatter reads.
    func testRecordTimesReadAsTheFormatterReadsThem() throws {
        var times = ["1970-01-01T00:00:00.000Z", "2000-02-29T23:59:59.999Z", "2024-12-31T12:00:00.500Z", "2026-11-28T02:22:00.123Z", "2100-03-01T00:00:00.001Z"]
        // A day and an odd time of each month over eight years (two leap years).
        for step in 0..<96 { times.append(AuditTime.text(Date(timeIntervalSince1970: 1_600_000_000 + Double(step) * 2_629_743.217))) }
        for time in times {
            let expected = try XCTUnwrap(AuditTime.date(time)).timeIntervalSince1970
            XCTAssertEqual(try XCTUnwrap(AuditTime.seconds(time)), expected, accuracy: 0.0005, time)
        }
        XCTAssertEqual(AuditTime.seconds("2026-11-28T02:22:00Z"), AuditTime.date("2026-11-28T02:22:00Z")?.timeIntervalSince1970)
        XCTAssertNil(AuditTime.seconds("2026-13-28T02:22:00.123Z"))
        XCTAssertNil(AuditTime.seconds("not a time"))
    }

    func testASetWithLintErrorsIsRefused() async throws {
        try await withRecording { recording in
            let templates = try copy(recording.templates)
            try "name: broken\npriority: 5\nmatch:\n  conversations: [\"x-*\"]\npush:\n  alert: \"{{#sender}}oops\"\n"
                .write(to: templates.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
            await assertThrowsAsync(try await self.replay(recording, templates: templates)) { error in
                XCTAssertTrue(error is TemplateSetError, "\(error)")
                XCTAssertTrue("\(error)".contains("broken.yaml:"), "\(error)")
            }
        }
    }

    /// The built executable, as an operator runs it: text, JSON, and a refused set.
    func testTheCommandLine() async throws {
        try await withRecording { recording in
            let templates = try copy(recording.templates)
            let file = templates.appendingPathComponent("support.yaml")
            try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: #"alert: "[Support]"#, with: #"alert: "[Help]"#)
                .write(to: file, atomically: true, encoding: .utf8)
            // serve's configuration: the webhook provider, whose budget the composer keeps to.
            let config = try makeTemporaryDirectory().appendingPathComponent("pushcompose.yaml")
            try "webhookURL: \"\(recording.configuration.delivery.webhookURL!)\"\nwebhookSecret: \"\(WebhookStandIn.secret)\"\n"
                .write(to: config, atomically: true, encoding: .utf8)
            let data = recording.configuration.data
            let supportReceivers = Self.calls.filter { $0.template == "support" }.map(\.to.count).reduce(0, +)

            let text = try CLITests.run(["replay", "--templates", templates.path, "--data", data, "--config", config.path])
            XCTAssertEqual(text.status, 0, text.stdout + text.stderr)
            XCTAssertTrue(text.stdout.contains("Replayed \(Self.calls.count) of \(Self.calls.count) hook calls."), text.stdout)
            XCTAssertTrue(text.stdout.contains("would change: \(supportReceivers) (payload \(supportReceivers), template 0, variant 0, force 0, route 0)"), text.stdout)
            XCTAssertTrue(text.stdout.contains("payload: {\"alert\":\"[Support]"), text.stdout)

            let json = try CLITests.run(["replay", "--templates", templates.path, "--data", data, "--config", config.path, "--json", "--examples", "1"])
            XCTAssertEqual(json.status, 0, json.stdout + json.stderr)
            let report = try decodeJSON(json.stdout)
            XCTAssertEqual(report["calls"]?["replayed"], .number(Double(Self.calls.count)))
            XCTAssertEqual(report["changed"]?["receivers"], .number(Double(supportReceivers)))
            XCTAssertEqual(report["changed"]?["payload"], .number(Double(supportReceivers)))
            let support = try XCTUnwrap(report["templates"]?.arrayValue?.first { $0["template"] == .string("support") })
            XCTAssertEqual(support["examples"]?.arrayValue?.count, 1)
            XCTAssertEqual(support["examples"]?[0]?["changes"]?[0]?["field"], .string("payload"))

            try "push:\n  alert: \"{{#sender}}oops\"\n".write(to: templates.appendingPathComponent("default.yaml"), atomically: true, encoding: .utf8)
            let refused = try CLITests.run(["replay", "--templates", templates.path, "--data", data])
            XCTAssertEqual(refused.status, 1)
            XCTAssertTrue(refused.stderr.contains("default.yaml:"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains("nothing was replayed"), refused.stderr)
        }
    }

    // MARK: - Set-up

    /// Records `calls` with a real server (`auditText: full`), then runs `body`.
    private func withRecording(_ body: (Recording) async throws -> Void) async throws {
        let templates = try copyOfShippedTemplates()
        try ExperimentFixture.template(unit: "receiver").write(to: templates.appendingPathComponent("greeting.yaml"), atomically: true, encoding: .utf8)
        let webhook = WebhookStandIn()
        let recording = try await webhook.serve { url, _ in
            var configuration = try makeConfiguration(adminToken: TestSecrets.adminToken)
            configuration.templates = templates.path
            configuration.delivery.webhookURL = url
            configuration.delivery.webhookSecret = WebhookStandIn.secret
            let ids = try await withServer(configuration) { server in
                try await Self.prepare(server)
                for call in Self.calls {
                    _ = try await server.receiversOffline(
                        HookBody.receiversOffline(
                            conversation: call.conversation, to: call.to, content: call.content, mentionAll: call.mentionAll, mentioned: call.mentioned))
                }
                let hooks = try await server.auditRecords().filter { $0["kind"] == .string("hook") }
                return hooks.compactMap { $0["call"]?.stringValue }
            }
            XCTAssertEqual(ids.count, Self.calls.count)
            return Recording(configuration: configuration, calls: Array(zip(ids, Self.calls)), templates: templates)
        }
        try await body(recording)
    }

    /// Names, locales, a mute, a conversation name and a device, learned as the server learns them.
    private static func prepare(_ server: TestServer) async throws {
        for (client, entry) in [("Tom", ["name": "Tom Cat"]), ("Lin", ["locale": "zh-Hans"]), ("Mei", ["locale": "zh-Hans"])] {
            let response = try await server.admin(.put, "/v1/clients/\(client)", json: entry)
            XCTAssertEqual(response.status, .ok, response.text)
        }
        let updates: [[String: Any]] = [["initBy": "Jerry", "convId": "conv-muted", "mute": true], ["initBy": "Tom", "convId": "support-1", "attr": ["name": "Help desk"]]]
        for update in updates {
            let response = try await server.call("_conversationUpdate", json: update)
            XCTAssertEqual(response.status, .ok, response.text)
        }
        try await server.registerWebhookDevice("Tyke")
    }

    private func copy(_ templates: URL) throws -> URL {
        let directory = try makeTemporaryDirectory().appendingPathComponent("templates")
        try FileManager.default.copyItem(at: templates, to: directory)
        return directory
    }

    private func replay(
        _ recording: Recording, templates: URL, since: String? = nil, until: String? = nil, limit: Int? = nil, examples: Int = 3
    ) async throws -> ReplayReport {
        try await TemplateReplay.run(
            configuration: recording.configuration, templates: templates, since: since, until: until, limit: limit, examples: examples)
    }

    /// "call receiver" of every receiver the report's examples name (all of them, given enough examples).
    private static func changedReceivers(_ report: ReplayReport) -> [String] {
        report.byTemplate.values.flatMap(\.examples).map { "\($0.call) \($0.receiver)" }
    }
}
