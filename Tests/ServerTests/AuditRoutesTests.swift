import Foundation
import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// `GET /v1/audit` and `GET /v1/audit/explain` through a real server, over the records its
/// own hook calls wrote.
final class AuditRoutesTests: XCTestCase {
    private static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    func testSearchFindsTheCallsAndExplainTellsEachReceiver() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let mute = try await server.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": true])
            XCTAssertEqual(mute.status, .ok)
            _ = try await server.receiversOffline(HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("Lunch?")))
            _ = try await server.receiversOffline(HookBody.receiversOffline(conversation: "conv-2", to: ["Tyke"], content: HookBody.text("Hi")))
            _ = try await server.receiversOffline(HookBody.receiversOffline(conversation: "conv-2", to: ["Spike"], content: HookBody.text("Again")))

            let jerry = try await server.admin(.get, "/v1/audit?receiver=Jerry")
            XCTAssertEqual(jerry.status, .ok, jerry.text)
            XCTAssertEqual(jerry.headers[.contentType], "application/json")
            let found = try XCTUnwrap(jerry.json["records"]?.arrayValue)
            // Jerry's mute, then the call that named Jerry (muted, not pushed).
            XCTAssertEqual(found.map { $0["kind"]?.stringValue }, ["conversationUpdate", "hook"])
            XCTAssertEqual(found[1]["mutedUnforced"]?.stringArray, ["Jerry"])
            XCTAssertEqual(try jerry.json["more"], .bool(false))
            let call = try XCTUnwrap(found[1]["call"]?.stringValue)
            // The records as stored: each is one of the files' lines, seal included.
            let lines = try readAuditLines(in: server.audit.directory)
            XCTAssertTrue(lines.contains { $0.contains(#""call":"\#(call)""#) && $0.contains(#""mac":""#) })

            let spike = try await server.admin(.get, "/v1/audit?receiver=Spike&kind=hook&limit=1")
            XCTAssertEqual(try spike.json["records"]?.arrayValue?.count, 1)
            XCTAssertEqual(try spike.json["records"]?[0]?["call"]?.stringValue, call, "oldest first")
            XCTAssertEqual(try spike.json["more"], .bool(true))
            let spikeLatest = try await server.admin(.get, "/v1/audit?receiver=Spike&kind=hook&limit=1&order=newest")
            XCTAssertEqual(try spikeLatest.json["records"]?[0]?["text"]?.stringValue, "Again", "newest first: the last call")
            XCTAssertEqual(try spikeLatest.json["more"], .bool(true))
            let byCall = try await server.admin(.get, "/v1/audit?call=\(Self.encoded(call))&since=1h")
            XCTAssertEqual(try byCall.json["records"]?.arrayValue?.count, 1)
            let conversation = try await server.admin(.get, "/v1/audit?conversation=conv-2&until=\(Self.encoded("2000-01-01T00:00:00Z"))")
            XCTAssertEqual(try conversation.json["records"]?.arrayValue?.count, 0)

            let muted = try await server.admin(.get, "/v1/audit/explain?receiver=Jerry&call=\(Self.encoded(call))")
            XCTAssertEqual(muted.status, .ok, muted.text)
            XCTAssertEqual(try muted.json["outcome"]?.stringValue, "explained")
            XCTAssertEqual(try muted.json["route"]?.stringValue, "mutedUnforced")
            XCTAssertEqual(try muted.json["final"]?.stringValue, "notPushed")
            let words = try XCTUnwrap(muted.json["text"]?.stringArray).joined(separator: "\n")
            XCTAssertTrue(words.contains("Jerry had muted the conversation and the template does not force this push: not pushed."), words)

            let answered = try await server.admin(.get, "/v1/audit/explain?receiver=Spike&call=\(Self.encoded(call))")
            XCTAssertEqual(try answered.json["route"]?.stringValue, "answered")
            XCTAssertEqual(try answered.json["template"]?.stringValue, "default")
            let answeredWords = try XCTUnwrap(answered.json["text"]?.stringArray).joined(separator: "\n")
            XCTAssertTrue(answeredWords.contains("Answered in the built-in push: {"), answeredWords)
            XCTAssertTrue(answeredWords.contains("Lunch?"), answeredWords)

            let stranger = try await server.admin(.get, "/v1/audit/explain?receiver=Tyke&call=\(Self.encoded(call))")
            XCTAssertEqual(try stranger.json["outcome"]?.stringValue, "receiverNotInCall")
            let unknown = try await server.admin(.get, "/v1/audit/explain?receiver=Tyke&call=no-such-call")
            XCTAssertEqual(try unknown.json["outcome"]?.stringValue, "callNotFound")
        }
    }

    func testConcurrentSearchesAllFinish() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        // Earlier days' files, so that each search waits on several file scans at once.
        let directory = URL(fileURLWithPath: configuration.data).appendingPathComponent("audit")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for day in 1...8 {
            let lines = (0..<50).map { #"{"time":"2026-10-0\#(day)T10:00:\#(String(format: "%02d", $0)).000Z","v":1,"kind":"gap","dropped":1,"reason":"queue full"}"# }
            try (lines.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("audit-2026-10-0\(day).jsonl"), atomically: true, encoding: .utf8)
        }
        try await withServer(configuration) { server in
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        let response = try await server.admin(.get, "/v1/audit?kind=gap&limit=1000")
                        return try response.json["records"]?.arrayValue?.count ?? -1
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(counts, Array(repeating: 400, count: 16))
        }
    }

    func testBadParametersAreRefusedByName() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            let cases: [(String, String)] = [
                ("/v1/audit?kind=nope", "query parameter 'kind' must be one of hook, "),
                ("/v1/audit?limit=1001", "query parameter 'limit' must be a whole number from 1 to 1000, not '1001'"),
                ("/v1/audit?limit=0", "query parameter 'limit' must be a whole number from 1 to 1000, not '0'"),
                ("/v1/audit?since=yesterday", "query parameter 'since' must be an ISO 8601 time"),
                ("/v1/audit?until=3x", "query parameter 'until' must be an ISO 8601 time"),
                ("/v1/audit?receiver=", "query parameter 'receiver' must not be empty"),
                ("/v1/audit?order=latest", "query parameter 'order' must be oldest or newest, not 'latest'"),
                ("/v1/audit?reciever=Jerry", "unknown query parameter 'reciever'"),
                ("/v1/audit/explain?receiver=Jerry", "query parameter 'call' is required"),
                ("/v1/audit/explain?call=c&receiver=Jerry&kind=hook", "unknown query parameter 'kind'"),
            ]
            for (path, message) in cases {
                let response = try await server.admin(.get, path)
                XCTAssertEqual(response.status, .badRequest, path)
                XCTAssertTrue(try response.json["error"]?.stringValue?.hasPrefix(message) == true, "\(path): \(response.text)")
            }
        }
    }

    func testTheAdminTokenIsRequired() async throws {
        let configuration = try makeConfiguration(secured: true, adminToken: TestSecrets.adminToken)
        try await withServer(configuration) { server in
            _ = try await server.receiversOffline()
            for path in ["/v1/audit?receiver=Jerry", "/v1/audit/explain?receiver=Jerry&call=c"] {
                for headers in [HTTPFields(), Header.bearer("not-the-token"), Header.hook] {
                    let response = try await server.admin(.get, path, headers: headers)
                    XCTAssertEqual(response.status, .unauthorized, path)
                    XCTAssertFalse(response.text.contains("Jerry"), response.text)
                }
            }
        }
        // Without a token configured the admin API is off.
        try await withServer(try makeConfiguration(secured: true)) { server in
            let response = try await server.admin(.get, "/v1/audit", headers: Header.bearer("anything"))
            XCTAssertEqual(response.status, .forbidden)
        }
    }
}
