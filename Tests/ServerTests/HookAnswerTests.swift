import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// What `_receiversOffline` answers with the shipped templates, over the socket.
final class HookAnswerTests: XCTestCase {
    func testSeedExample() async throws {
        try await withServer(try makeConfiguration(secured: true)) { server in
            let response = try await server.call("_receiversOffline", json: HookBody.seed)
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "application/json")
            let result = try XCTUnwrap(response.json["result"])
            // Every receiver asked for the same push: no offlinePeers, no force, no skip.
            XCTAssertEqual(result.keys, ["pushMessage"], response.text)
            let payload = try pushMessage(of: result)
            XCTAssertEqual(payload["alert"], .string("Tom: Holy crap!"))
            XCTAssertEqual(payload["badge"], .string("Increment"))
            XCTAssertEqual(payload["sound"], .string("default"))
        }
    }

    func testPlainTextContent() async throws {
        try await withServer(try makeConfiguration()) { server in
            let result = try await server.receiversOffline(HookBody.receiversOffline(content: "just text, not JSON"))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: just text, not JSON"))
        }
    }

    func testRichMessageShowsAPlaceholderNeverRawJSON() async throws {
        try await withServer(try makeConfiguration()) { server in
            let image = #"{"_lctype":-2,"_lcfile":{"url":"http://example.com/a.png"},"_lctext":""}"#
            let result = try await server.receiversOffline(HookBody.receiversOffline(content: image))
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: [Image]"))
        }
    }

    func testFamilyEmojiAreCutWithoutBreakingASequence() async throws {
        let family = "👨‍👩‍👧"
        try await withServer(try makeConfiguration()) { server in
            let result = try await server.receiversOffline(HookBody.receiversOffline(content: HookBody.text(String(repeating: family, count: 50))))
            let alert = try XCTUnwrap(try pushMessage(of: result)["alert"]?.stringValue)
            XCTAssertTrue(alert.hasPrefix("Tom: "), alert)
            XCTAssertTrue(alert.hasSuffix("…"), alert)
            let kept = alert.dropFirst("Tom: ".count).dropLast()
            XCTAssertLessThan(kept.count, 50, "the text was cut")
            XCTAssertGreaterThan(kept.count, 0)
            // Every character left is the whole family, scalar for scalar.
            for character in kept {
                XCTAssertEqual(String(character), family)
                XCTAssertEqual(Array(character.unicodeScalars), Array(family.unicodeScalars))
            }
            XCTAssertEqual(kept.unicodeScalars.count, kept.count * family.unicodeScalars.count)
        }
    }

    func testEveryOfflineReceiverMentionedIsForced() async throws {
        try await withServer(try makeConfiguration()) { server in
            let body = HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("look"), mentioned: ["Jerry", "Spike"])
            let result = try await server.receiversOffline(body)
            XCTAssertEqual(result["force"], .bool(true), "\(result)")
            XCTAssertNil(result["offlinePeers"])
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom mentioned you: look"))
        }
    }

    func testMentionAllIsForced() async throws {
        try await withServer(try makeConfiguration()) { server in
            let body = HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text("meeting"), mentionAll: true)
            let result = try await server.receiversOffline(body)
            XCTAssertEqual(result["force"], .bool(true), "\(result)")
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom @all: meeting"))
            XCTAssertEqual(try pushMessage(of: result)["badge"], .string("Increment"))
        }
    }

    func testSomeMentionedCoalescesIntoTheLargestGroupAndAuditsIt() async throws {
        try await withServer(try makeConfiguration()) { server in
            let body = HookBody.receiversOffline(to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("hello"), mentioned: ["Spike"])
            let result = try await server.receiversOffline(body)
            // One payload for all: the unmentioned majority's, without force.
            XCTAssertNil(result["force"], "\(result)")
            XCTAssertNil(result["skip"])
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: hello"))

            let records = try await server.auditRecords()
            let record = try XCTUnwrap(records.last)
            XCTAssertEqual(record["function"], .string("_receiversOffline"))
            let coalesced = try XCTUnwrap(record["coalesced"]?.arrayValue)
            XCTAssertEqual(coalesced.compactMap { $0["receiver"]?.stringValue }, ["Spike"])
            let groups = try XCTUnwrap(record["groups"]?.arrayValue)
            XCTAssertEqual(groups.count, 2)
            let wanted = try XCTUnwrap(coalesced.first?["wantedGroup"]?.numberValue)
            let spikeGroup = groups[Int(wanted)]
            XCTAssertEqual(spikeGroup["receivers"]?.stringArray, ["Spike"])
            XCTAssertEqual(spikeGroup["force"], .bool(true))
            XCTAssertEqual(spikeGroup["answered"], .bool(false))
            let answered = try XCTUnwrap(groups.first { $0["answered"] == .bool(true) })
            XCTAssertEqual(Set(answered["receivers"]?.stringArray ?? []), ["Jerry", "Tyke"])
        }
    }

    func testDuplicateReceiversArePushedOnce() async throws {
        try await withServer(try makeConfiguration()) { server in
            let result = try await server.receiversOffline(HookBody.receiversOffline(to: ["Jerry", "Jerry"], content: "hi"))
            XCTAssertEqual(result["offlinePeers"]?.stringArray, ["Jerry"], "\(result)")
        }
    }

    func testPrivateConversationsNeverShowTheText() async throws {
        try await withServer(try makeConfiguration()) { server in
            let result = try await server.receiversOffline(
                HookBody.receiversOffline(conversation: "secure-7", content: HookBody.text("the launch codes")))
            let pushMessage = try XCTUnwrap(result["pushMessage"]?.stringValue)
            XCTAssertFalse(pushMessage.contains("launch codes"), pushMessage)
            XCTAssertEqual(try decodeJSON(pushMessage)["alert"], .string("Tom: sent you a message"))
        }
    }
}
