import AuditLog
import Foundation
import PushCompose
import XCTest

/// What `audit explain` tells of one receiver in one call, from records written to files.
final class AuditExplanationTests: XCTestCase {
    typealias R = AuditFixture

    private static func group(_ template: String, receivers: [String], answered: Bool, force: Bool = false, payload: String, variant: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("template", .string(template)), ("locale", "en"), ("force", .bool(force)), ("receivers", .array(receivers.map(JSONValue.string))),
            ("answered", .bool(answered)),
        ]
        if let variant { members.append(("variant", .string(variant))) }
        members.append(("payload", .string(payload)))
        return .object(members)
    }

    private static func hook(
        _ call: String, at time: String, groups: [JSONValue], coalesced: [JSONValue] = [], custom: [JSONValue] = [], excluded: [String] = [],
        mutedUnforced: [String] = [], muted: [String] = [], renderFailures: [JSONValue] = [], experiment: String? = nil
    ) -> JSONValue {
        var record = R.record(time, "hook", [
            "call": .string(call), "conversation": "conv-1", "sender": "Tom", "receivers": 2, "messageKind": "text", "text": "Lunch?",
            "template": "default", "groups": .array(groups), "coalesced": .array(coalesced), "custom": .array(custom), "undeliverable": [],
            "excluded": .array(excluded.map(JSONValue.string)), "mutedUnforced": .array(mutedUnforced.map(JSONValue.string)),
            "muted": .array(muted.map(JSONValue.string)), "renderFailures": .array(renderFailures), "micros": 120,
        ])
        if let experiment, case .object(var members) = record {
            members.append(("experiment", .string(experiment)))
            record = .object(members)
        }
        return record
    }

    private static func event(_ kind: String, at time: String, call: String, push: String, receiver: String = "Jerry", job: Int = 7,
                              _ extra: KeyValuePairs<String, JSONValue> = [:]) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("call", .string(call)), ("push", .string(push)), ("receiver", .string(receiver)), ("conversation", "conv-1"),
            ("job", .number(Double(job))), ("provider", "webhook"), ("device", "…abcd1234"),
        ]
        members += extra.map { (key: $0.key, value: $0.value) }
        guard case .object(let head) = R.record(time, kind) else { fatalError() }
        return .object(head + members)
    }

    private func explain(_ records: [JSONValue], receiver: String = "Jerry", call: String) throws -> AuditExplanation {
        var fixture = try AuditFixture(self)
        // Split over a rotated, compressed file and the live one, as a day's files are.
        let half = records.count / 2
        try fixture.write(Array(records[..<half]), day: "2026-11-28", compressed: true)
        try fixture.write(Array(records[half...]), day: "2026-11-28", sequence: 1)
        return try AuditExplanation.explain(receiver: receiver, call: call, in: fixture.search)
    }

    func testAnsweredInTheBuiltInPush() throws {
        let payload = #"{"alert":"Tom: Lunch?","badge":"Increment"}"#
        let explanation = try explain([
            Self.hook("call-a", at: "2026-11-28T09:00:00.000Z", groups: [Self.group("default", receivers: ["Jerry", "Spike"], answered: true, payload: payload)]),
            Self.hook("call-other", at: "2026-11-28T09:00:01.000Z", groups: [Self.group("default", receivers: ["Jerry"], answered: true, payload: "{}")]),
        ], call: "call-a")
        XCTAssertEqual(explanation.outcome, .explained)
        XCTAssertEqual(explanation.route, .answered)
        XCTAssertEqual(explanation.payload, payload)
        XCTAssertEqual(explanation.finalState, "answered")
        XCTAssertFalse(explanation.muted)
        let text = explanation.text
        XCTAssertTrue(text.contains("Call call-a at 2026-11-28T09:00:00.000Z: Tom wrote a text message in conversation conv-1 to 2 offline receivers."), text)
        XCTAssertTrue(text.contains("Jerry: template \"default\", locale en."), text)
        XCTAssertTrue(text.contains("Answered in the built-in push: \(payload)."), text)
        XCTAssertTrue(text.contains("Final: answered; the IM server delivers it by its built-in push."), text)
        XCTAssertEqual(explanation.json["route"], "answered")
        XCTAssertEqual(explanation.json["text"], .array(explanation.lines.map(JSONValue.string)))
    }

    func testCoalescedIntoTheAnswer() throws {
        let explanation = try explain([
            Self.hook("call-c", at: "2026-11-28T09:00:00.000Z", groups: [
                Self.group("default", receivers: ["Spike"], answered: true, payload: "plain"),
                Self.group("default", receivers: ["Jerry"], answered: false, payload: "mention"),
            ], coalesced: [.object([("receiver", "Jerry"), ("wantedGroup", 1), ("reason", "no device")])]),
        ], call: "call-c")
        XCTAssertEqual(explanation.route, .coalesced)
        XCTAssertEqual(explanation.routeReason, "no device")
        XCTAssertTrue(explanation.text.contains("Coalesced into the answer (no device): wanted mention, got plain."), explanation.text)
        XCTAssertEqual(explanation.finalState, "answered")
    }

    func testQueuedWithAttemptsThenDelivered() throws {
        let explanation = try explain([
            Self.hook("call-q", at: "2026-11-28T09:00:00.000Z", groups: [Self.group("personal", receivers: ["Jerry"], answered: false, payload: "hi Jerry")],
                      custom: [.object([("receiver", "Jerry"), ("group", 0), ("push", "push-q")])]),
            Self.event("queued", at: "2026-11-28T09:00:00.010Z", call: "call-q", push: "push-q", ["badge": 3]),
            Self.event("queued", at: "2026-11-28T09:00:00.010Z", call: "call-q", push: "push-s", receiver: "Spike", job: 8),
            Self.event("attempt", at: "2026-11-28T09:00:01.000Z", call: "call-q", push: "push-q", [
                "attempt": 1, "outcome": "retry", "status": 503, "reason": "Service Unavailable", "millis": 40, "nextAttemptAt": "2026-11-28T09:00:03.000Z",
            ]),
            Self.event("attempt", at: "2026-11-28T09:00:03.100Z", call: "call-q", push: "push-q", ["attempt": 2, "outcome": "delivered", "status": 200, "millis": 35]),
            Self.event("delivered", at: "2026-11-28T09:00:03.100Z", call: "call-q", push: "push-q"),
        ], call: "call-q")
        XCTAssertEqual(explanation.route, .queued)
        XCTAssertEqual(explanation.push, "push-q")
        XCTAssertEqual(explanation.deliveries.count, 1, "Spike's job is not Jerry's")
        XCTAssertEqual(explanation.deliveries.first?.attempts.count, 2)
        XCTAssertEqual(explanation.finalState, "delivered")
        let text = explanation.text
        XCTAssertTrue(text.contains("Queued through the custom channel as push push-q."), text)
        XCTAssertTrue(text.contains("Device webhook …abcd1234 (job 7): queued at 2026-11-28T09:00:00.010Z with badge 3."), text)
        XCTAssertTrue(text.contains("  Attempt 1 at 2026-11-28T09:00:01.000Z: retry, status 503, Service Unavailable (40 ms); next attempt at 2026-11-28T09:00:03.000Z."), text)
        XCTAssertTrue(text.contains("  Attempt 2 at 2026-11-28T09:00:03.100Z: delivered, status 200 (35 ms)."), text)
        XCTAssertTrue(text.hasSuffix("Final: delivered to webhook …abcd1234."), text)
        XCTAssertEqual(explanation.json["deliveries"]?.arrayCount, 1)
    }

    func testQueuedThenDead() throws {
        let explanation = try explain([
            Self.hook("call-d", at: "2026-11-28T09:00:00.000Z", groups: [Self.group("default", receivers: ["Jerry"], answered: false, payload: "p")],
                      custom: [.object([("receiver", "Jerry"), ("group", 0), ("push", "push-d")])]),
            Self.event("queued", at: "2026-11-28T09:00:00.010Z", call: "call-d", push: "push-d"),
            Self.event("attempt", at: "2026-11-28T09:00:01.000Z", call: "call-d", push: "push-d", ["attempt": 1, "outcome": "failed", "status": 400, "reason": "BadDeviceToken", "millis": 20]),
            Self.event("dead", at: "2026-11-28T09:00:01.000Z", call: "call-d", push: "push-d", ["reason": "BadDeviceToken"]),
        ], call: "call-d")
        XCTAssertEqual(explanation.finalState, "dead")
        XCTAssertTrue(explanation.text.contains("  Dead at 2026-11-28T09:00:01.000Z: BadDeviceToken."), explanation.text)
        XCTAssertTrue(explanation.text.hasSuffix("Final: dead (BadDeviceToken)."), explanation.text)
    }

    func testStillQueuedSaysTheNextAttempt() throws {
        let explanation = try explain([
            Self.hook("call-w", at: "2026-11-28T09:00:00.000Z", groups: [Self.group("default", receivers: ["Jerry"], answered: false, payload: "p")],
                      custom: [.object([("receiver", "Jerry"), ("group", 0), ("push", "push-w")])]),
            Self.event("attempt", at: "2026-11-28T09:00:01.000Z", call: "call-w", push: "push-w", ["attempt": 1, "outcome": "retry", "millis": 20, "nextAttemptAt": "2026-11-28T09:05:00.000Z"]),
        ], call: "call-w")
        XCTAssertEqual(explanation.finalState, "queued")
        XCTAssertTrue(explanation.text.hasSuffix("Final: still queued, next attempt at 2026-11-28T09:05:00.000Z."), explanation.text)
    }

    func testMutedAndNotForcedIsNotPushed() throws {
        let explanation = try explain([
            Self.hook("call-m", at: "2026-11-28T09:00:00.000Z", groups: [Self.group("default", receivers: ["Spike"], answered: true, payload: "p")],
                      mutedUnforced: ["Jerry"], muted: ["Jerry"]),
        ], call: "call-m")
        XCTAssertEqual(explanation.route, .mutedUnforced)
        XCTAssertTrue(explanation.muted)
        XCTAssertFalse(explanation.forced)
        XCTAssertEqual(explanation.finalState, "notPushed")
        XCTAssertTrue(explanation.text.contains("Jerry had muted the conversation and the template does not force this push: not pushed."), explanation.text)
    }

    func testMutedAndForcedThroughWithAVariant() throws {
        let explanation = try explain([
            Self.hook("call-f", at: "2026-11-28T09:00:00.000Z",
                      groups: [Self.group("default", receivers: ["Jerry"], answered: true, force: true, payload: "p", variant: "b")],
                      muted: ["Jerry"], experiment: "greeting"),
            R.record("2026-11-28T09:00:00.000Z", "exposure", [
                "call": "call-f", "conversation": "conv-1", "experiment": "greeting", "unit": "receiver", "variant": "b", "status": "exposed",
                "receivers": R.strings("Jerry"), "push": "call-f",
            ]),
        ], call: "call-f")
        XCTAssertTrue(explanation.muted)
        XCTAssertTrue(explanation.forced)
        XCTAssertEqual(explanation.route, .answered)
        XCTAssertEqual(explanation.exposure, "exposed")
        XCTAssertTrue(explanation.text.contains("Jerry: template \"default\", locale en, variant \"b\" of experiment \"greeting\" (exposed)."), explanation.text)
        XCTAssertTrue(explanation.text.contains("the template forces pushes on mute (force: true), so the push went through."), explanation.text)
    }

    func testRenderFailureFellBack() throws {
        let explanation = try explain([
            Self.hook("call-r", at: "2026-11-28T09:00:00.000Z", groups: [Self.group("default", receivers: ["Jerry"], answered: true, payload: "p")],
                      renderFailures: [.object([("receiver", "Jerry"), ("template", "fancy"), ("reason", "payload over 3800 bytes"), ("fellBackTo", "default")])]),
        ], call: "call-r")
        XCTAssertTrue(explanation.text.contains("Template \"fancy\" failed to render (payload over 3800 bytes); fell back to template \"default\"."), explanation.text)
    }

    func testUnknownCallAndReceiverNotInTheCall() throws {
        let records = [Self.hook("call-a", at: "2026-11-28T09:00:00.000Z", groups: [Self.group("default", receivers: ["Jerry", "Spike"], answered: true, payload: "p")])]
        let unknown = try explain(records, call: "call-zzz")
        XCTAssertEqual(unknown.outcome, .callNotFound)
        XCTAssertEqual(unknown.text, "No audit record names call call-zzz: it is not in the audit log (a wrong id, or its files were deleted by retention).")
        XCTAssertNil(unknown.finalState)
        let stranger = try explain(records, receiver: "Tyke", call: "call-a")
        XCTAssertEqual(stranger.outcome, .receiverNotInCall)
        XCTAssertEqual(stranger.text, "Tyke was not a receiver of call call-a (2026-11-28T09:00:00.000Z, conversation conv-1, 2 offline receivers).")
        XCTAssertEqual(stranger.json["outcome"], "receiverNotInCall")
    }
}

extension JSONValue {
    var arrayCount: Int? {
        if case .array(let items) = self { return items.count }
        return nil
    }
}
