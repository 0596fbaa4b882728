import AuditLog
import Foundation
import PushCompose
import XCTest

/// `AuditSearch` over real files: three days, rotated and compressed files, two streams.
final class AuditSearchTests: XCTestCase {
    typealias R = AuditFixture

    /// Stream "" (single instance): 26th (compressed, rotated once, compressed), 27th
    /// (compressed, then the live-looking .1), 28th plain. Stream "node-b": 27th compressed, 28th plain.
    private func fixture() throws -> AuditFixture {
        var fixture = try AuditFixture(self)
        try fixture.write([
            R.record("2026-11-26T08:00:00.000Z", "hook", [
                "tag": "h1", "call": "call-1", "conversation": "conv-1", "sender": "Tom", "receivers": 2, "messageKind": "text",
                "text": "for \"Jerry\" only", "template": "default",
                "groups": .array([.object([("template", "default"), ("locale", "en"), ("force", false), ("receivers", R.strings("Spike")), ("answered", true)])]),
                "coalesced": [], "custom": [], "undeliverable": [], "excluded": [], "mutedUnforced": R.strings("Tyke"), "muted": R.strings("Tyke"),
            ]),
        ], day: "2026-11-26", compressed: true)
        try fixture.write([
            R.record("2026-11-26T20:00:00.000Z", "hook", [
                "tag": "h2", "call": "call-2", "conversation": "conv-2", "sender": "Tom", "receivers": 1, "template": "support",
                "groups": .array([.object([("template", "support-b"), ("locale", "en"), ("force", false), ("receivers", R.strings("Jerry")), ("answered", false), ("variant", "b")])]),
                "custom": .array([.object([("receiver", "Jerry"), ("group", 0), ("push", "push-2")])]), "experiment": "greeting",
            ]),
            R.record("2026-11-26T20:00:00.001Z", "exposure", [
                "tag": "e2", "call": "call-2", "conversation": "conv-2", "experiment": "greeting", "unit": "receiver", "variant": "b",
                "status": "exposed", "receivers": R.strings("Jerry"), "pushes": R.strings("push-2"),
            ]),
        ], day: "2026-11-26", sequence: 1, compressed: true)
        try fixture.write([
            R.record("2026-11-27T01:00:00.000Z", "queued", ["tag": "q2", "call": "call-2", "push": "push-2", "receiver": "Jerry", "conversation": "conv-2", "job": 7, "provider": "webhook", "device": "…abcdefgh"]),
            R.record("2026-11-27T01:00:01.000Z", "attempt", ["tag": "a2", "call": "call-2", "push": "push-2", "receiver": "Jerry", "conversation": "conv-2", "job": 7, "provider": "webhook", "device": "…abcdefgh", "attempt": 1, "outcome": "retry", "status": 503, "millis": 12]),
        ], day: "2026-11-27", compressed: true)
        try fixture.write([
            R.record("2026-11-27T12:00:00.000Z", "rejected", ["tag": "x1", "function": "_receiversOffline", "status": 400, "error": "bad", "micros": 3]),
            R.record("2026-11-27T13:00:00.000Z", "conversationUpdate", ["tag": "u1", "conversation": "conv-1", "client": "Jerry", "mute": true]),
        ], day: "2026-11-27", sequence: 1)
        try fixture.write([
            R.record("2026-11-28T00:30:00.000Z", "delivered", ["tag": "d2", "call": "call-2", "push": "push-2", "receiver": "Jerry", "conversation": "conv-2", "job": 7, "provider": "webhook", "device": "…abcdefgh"]),
        ], day: "2026-11-28")
        try fixture.write([
            R.record("2026-11-27T06:00:00.000Z", "hook", [
                "tag": "b1", "call": "call-3", "conversation": "conv-1", "sender": "Spike", "receivers": 3, "template": "default",
                "groups": .array([.object([("template", "default"), ("locale", "en"), ("force", true), ("receivers", R.strings("Tom")), ("answered", true)])]),
                "coalesced": .array([.object([("receiver", "Tyke"), ("wantedGroup", 1), ("reason", "no device")])]),
                "undeliverable": .array([.object([("receiver", "Butch"), ("reason", "no device")])]), "excluded": R.strings("Jerry"), "muted": [],
            ]),
        ], stream: "node-b", day: "2026-11-27", compressed: true)
        try fixture.write([
            R.record("2026-11-28T00:10:00.000Z", "dead", ["tag": "b2", "call": "call-9", "push": "push-9", "receiver": "Jerry", "conversation": "conv-9", "job": 9, "provider": "apns", "device": "…12345678", "reason": "expired"]),
        ], stream: "node-b", day: "2026-11-28")
        return fixture
    }

    private func tags(_ search: AuditSearch, _ query: AuditQuery) throws -> [String] {
        try search.records(query).records.map(\.tag)
    }

    func testEachFilterMatchesWhatTheSchemaNames() throws {
        let search = try fixture().search
        // Every record, merged across the two streams by time.
        XCTAssertEqual(try tags(search, AuditQuery()), ["h1", "h2", "e2", "q2", "a2", "b1", "x1", "u1", "b2", "d2"])
        // h1 has "Jerry" in its text only: the prefilter passes it, the exact match does not.
        XCTAssertEqual(try tags(search, AuditQuery(receiver: "Jerry")), ["h2", "e2", "q2", "a2", "b1", "u1", "b2", "d2"])
        XCTAssertEqual(try tags(search, AuditQuery(receiver: "Tyke")), ["h1", "b1"])  // mutedUnforced and muted; coalesced
        XCTAssertEqual(try tags(search, AuditQuery(receiver: "Butch")), ["b1"])  // undeliverable
        XCTAssertEqual(try tags(search, AuditQuery(receiver: "Spike")), ["h1"])  // a group's receivers; not the sender of b1
        XCTAssertEqual(try tags(search, AuditQuery(push: "push-2")), ["h2", "e2", "q2", "a2", "d2"])
        XCTAssertEqual(try tags(search, AuditQuery(push: "call-1")), ["h1"])  // the built-in push's id is the call's
        XCTAssertEqual(try tags(search, AuditQuery(call: "call-2")), ["h2", "e2", "q2", "a2", "d2"])
        XCTAssertEqual(try tags(search, AuditQuery(conversation: "conv-1")), ["h1", "b1", "u1"])
        XCTAssertEqual(try tags(search, AuditQuery(template: "support-b")), ["h2"])  // a group's template
        XCTAssertEqual(try tags(search, AuditQuery(template: "default")), ["h1", "b1"])
        XCTAssertEqual(try tags(search, AuditQuery(experiment: "greeting")), ["h2", "e2"])
        XCTAssertEqual(try tags(search, AuditQuery(kind: .hook)), ["h1", "h2", "b1"])
        XCTAssertEqual(try tags(search, AuditQuery(status: "retry")), ["a2"])
        XCTAssertEqual(try tags(search, AuditQuery(status: "503")), ["a2"])
        XCTAssertEqual(try tags(search, AuditQuery(status: "dead")), ["b2"])
        XCTAssertEqual(try tags(search, AuditQuery(status: "exposed")), ["e2"])
        XCTAssertEqual(try tags(search, AuditQuery(status: "400")), ["x1"])
        XCTAssertEqual(try tags(search, AuditQuery(receiver: "Jerry", kind: .delivered)), ["d2"])
        XCTAssertEqual(try tags(search, AuditQuery(receiver: "Nobody")), [])
    }

    func testRecordsAreHandedOverAsStored() throws {
        let fixture = try fixture()
        let record = try XCTUnwrap(fixture.search.records(AuditQuery(status: "503")).records.first)
        XCTAssertEqual(fixture.chain.check(record.line)?.intact, true, "the line keeps its seal, byte for byte")
        XCTAssertEqual(record.stream, "")
        XCTAssertEqual(record.kind, "attempt")
    }

    func testSinceAndUntilPruneFilesAndRecords() throws {
        let fixture = try fixture()
        // Damaged files of the 25th and the 29th: read, they fail the search; pruned by time, they are never opened.
        for day in ["25", "29"] {
            try Data("not gzip at all".utf8).write(to: fixture.directory.appendingPathComponent("audit-2026-11-\(day).jsonl.gz"))
        }
        XCTAssertThrowsError(try fixture.search.records(AuditQuery())) { error in
            XCTAssertTrue("\(error)".contains("audit-2026-11-25.jsonl.gz"), "\(error)")
        }
        let search = fixture.search
        XCTAssertEqual(
            try tags(search, AuditQuery(since: "2026-11-27T01:00:01.000Z", until: "2026-11-28T00:30:00.000Z")), ["a2", "b1", "x1", "u1", "b2"])
        XCTAssertEqual(try tags(search, AuditQuery(since: "2026-11-26T01:00:00.000Z", until: "2026-11-27T00:00:00.000Z")), ["h1", "h2", "e2"])
        XCTAssertEqual(try tags(search, AuditQuery(receiver: "Jerry", since: "2026-11-28T00:00:00.000Z", until: "2026-11-28T23:00:00.000Z")), ["b2", "d2"])
    }

    func testLimitStopsAndSaysThereIsMore() throws {
        let search = try fixture().search
        let first = try search.records(AuditQuery(receiver: "Jerry", limit: 3))
        XCTAssertEqual(first.records.map(\.tag), ["h2", "e2", "q2"])
        XCTAssertTrue(first.more)
        let all = try search.records(AuditQuery(receiver: "Jerry", limit: 8))
        XCTAssertEqual(all.records.count, 8)
        XCTAssertFalse(all.more)
    }

    func testStreamsMergeByTimeWhateverTheirFiles() throws {
        var fixture = try AuditFixture(self)
        let times = (0..<12).map { String(format: "2026-11-28T10:%02d:00.000Z", $0) }
        try fixture.write(times.enumerated().filter { $0.offset % 3 == 0 }.map { R.record($0.element, "gap", ["tag": .string("\($0.offset)"), "dropped": 1]) },
                          stream: "a", day: "2026-11-28", compressed: true)
        try fixture.write(times.enumerated().filter { $0.offset % 3 == 1 }.map { R.record($0.element, "gap", ["tag": .string("\($0.offset)"), "dropped": 1]) },
                          stream: "b", day: "2026-11-28")
        try fixture.write(times.enumerated().filter { $0.offset % 3 == 2 }.prefix(2).map { R.record($0.element, "gap", ["tag": .string("\($0.offset)"), "dropped": 1]) },
                          day: "2026-11-28")
        try fixture.write(times.enumerated().filter { $0.offset % 3 == 2 }.dropFirst(2).map { R.record($0.element, "gap", ["tag": .string("\($0.offset)"), "dropped": 1]) },
                          day: "2026-11-28", sequence: 1)
        let found = try fixture.search.records(AuditQuery(kind: .gap)).records
        XCTAssertEqual(found.map(\.tag), (0..<12).map(String.init))
        XCTAssertEqual(Set(found.map(\.stream)), ["", "a", "b"])
    }

    /// Newest first is oldest first reversed, whatever the filters; the limit keeps the
    /// latest records.
    func testNewestFirstIsTheReverseAndItsLimitKeepsTheLatest() throws {
        let search = try fixture().search
        let queries = [
            AuditQuery(), AuditQuery(receiver: "Jerry"), AuditQuery(kind: .hook), AuditQuery(push: "push-2"),
            AuditQuery(since: "2026-11-27T01:00:01.000Z", until: "2026-11-28T00:30:00.000Z"),
        ]
        for var query in queries {
            let oldestFirst = try tags(search, query)
            query.order = .newestFirst
            XCTAssertEqual(try tags(search, query), oldestFirst.reversed(), "\(query)")
        }
        let latest = try search.records(AuditQuery(receiver: "Jerry", limit: 3, order: .newestFirst))
        XCTAssertEqual(latest.records.map(\.tag), ["d2", "b2", "u1"])
        XCTAssertTrue(latest.more)
    }

    /// Each limit over streams whose files hold more matches than it: a file's last
    /// matches are kept, the streams merged from the latest time down.
    func testNewestFirstAcrossStreamsAtEveryLimit() throws {
        var fixture = try AuditFixture(self)
        let times = (0..<30).map { String(format: "2026-11-28T10:%02d:00.000Z", $0) }
        func records(_ offsets: [Int]) -> [JSONValue] {
            offsets.map { R.record(times[$0], "gap", ["tag": .string("\($0)"), "dropped": 1]) }
        }
        try fixture.write(records(Array(stride(from: 0, to: 30, by: 3))), stream: "a", day: "2026-11-28", compressed: true)
        try fixture.write(records(Array(stride(from: 1, to: 30, by: 3))), stream: "b", day: "2026-11-28")
        let third = Array(stride(from: 2, to: 30, by: 3))
        try fixture.write(records(Array(third.prefix(4))), day: "2026-11-28")
        try fixture.write(records(Array(third.dropFirst(4))), day: "2026-11-28", sequence: 1)
        let all = (0..<30).reversed().map(String.init)
        for limit in 1...31 {
            let found = try fixture.search.records(AuditQuery(kind: .gap, limit: limit, order: .newestFirst))
            XCTAssertEqual(found.records.map(\.tag), Array(all.prefix(limit)), "limit \(limit)")
            XCTAssertEqual(found.more, limit < 30, "limit \(limit)")
        }
    }

    func testTornLastLineIsSkippedAndAPlainFileHidesItsCompressedTwin() throws {
        var fixture = try AuditFixture(self)
        let torn = #"{"time":"2026-11-28T10:00:02.000Z","v":1,"kind":"gap","tag":"torn","dro"#
        try fixture.write([R.record("2026-11-28T10:00:00.000Z", "gap", ["tag": "old", "dropped": 1])], day: "2026-11-28", compressed: true)
        // A crash during compression left both: the plain one is read, whole.
        try fixture.write(
            [R.record("2026-11-28T10:00:00.000Z", "gap", ["tag": "kept", "dropped": 1]), R.record("2026-11-28T10:00:01.000Z", "gap", ["tag": "kept2", "dropped": 1])],
            day: "2026-11-28", tail: torn)
        XCTAssertEqual(try tags(fixture.search, AuditQuery(kind: .gap)), ["kept", "kept2"])
        // A complete object without its newline is torn too: the writer had not finished the line.
        try fixture.write([R.record("2026-11-28T11:00:00.000Z", "gap", ["tag": "next", "dropped": 1])], day: "2026-11-28", sequence: 1,
                          tail: #"{"time":"2026-11-28T11:00:01.000Z","v":1,"kind":"gap","tag":"unfinished"}"#)
        XCTAssertEqual(try tags(fixture.search, AuditQuery(kind: .gap)), ["kept", "kept2", "next"])
    }

    func testLegacyAndUnsealedRecordsAreSearched() throws {
        var fixture = try AuditFixture(self)
        try fixture.write([
            .object([("time", "2026-11-20T10:00:00.000Z"), ("type", "hook"), ("kind", "text"), ("tag", "legacy"), ("conversation", "conv-1"),
                     ("groups", .array([.object([("receivers", R.strings("Jerry")), ("answered", true)])]))]),
        ], day: "2026-11-20", sealed: false)
        XCTAssertEqual(try tags(fixture.search, AuditQuery(receiver: "Jerry", kind: .hook)), ["legacy"])
    }

    func testIdsCompareByteForByte() throws {
        var fixture = try AuditFixture(self)
        // "é" precomposed and decomposed: Swift calls them equal, the ids are not.
        try fixture.write([
            R.record("2026-11-28T10:00:00.000Z", "delivered", ["tag": "nfc", "receiver": "Ren\u{E9}"]),
            R.record("2026-11-28T10:00:01.000Z", "delivered", ["tag": "nfd", "receiver": "Rene\u{301}"]),
        ], day: "2026-11-28")
        XCTAssertEqual(try tags(fixture.search, AuditQuery(receiver: "Rene\u{301}")), ["nfd"])
    }

    func testAMissingDirectoryHasNoRecords() throws {
        let search = AuditSearch(directory: FileManager.default.temporaryDirectory.appendingPathComponent("no-audit-\(UUID())"))
        XCTAssertEqual(try search.records(AuditQuery()).records.count, 0)
    }
}
