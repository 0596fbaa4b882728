import PushCompose
import XCTest

/// Client and conversation ids: refused with control characters or over the length limit,
/// everything else kept as given, in every hook that names one.
final class IdentifierRuleTests: XCTestCase {
    func testControlCharactersAreRefused() {
        let cases: [(String, Unicode.Scalar)] = [
            ("support-1\u{0}evil", "\u{0}"), ("\u{1}", "\u{1}"), ("a\tb", "\t"), ("line\n", "\n"), ("a\u{1F}", "\u{1F}"),
            ("del\u{7F}", "\u{7F}"), ("next\u{85}line", "\u{85}"), ("c1\u{80}", "\u{80}"), ("c1\u{9F}", "\u{9F}"),
        ]
        for (id, scalar) in cases {
            XCTAssertEqual(IdentifierRule.problem(id), .controlCharacter(scalar), id.debugDescription)
        }
        XCTAssertEqual(
            IdentifierRule.Problem.controlCharacter("\u{0}").description, "must not contain control characters (found U+0000)")
        XCTAssertEqual(
            IdentifierRule.Problem.controlCharacter("\u{85}").description, "must not contain control characters (found U+0085)")
    }

    func testOrdinaryIdsAreKept() {
        // Neighbours of the control ranges, letters in other scripts, punctuation, emoji.
        for id in ["Jerry", "", " ", "~", "\u{A0}", "¡", "汤姆", "Tom Cat/%20?#", "5789a33a1b8694ad267d8040", "👨‍👩‍👧", "é\u{301}", "\u{2028}"] {
            XCTAssertNil(IdentifierRule.problem(id), id.debugDescription)
        }
    }

    func testLengthIsCountedInUTF8Bytes() {
        XCTAssertEqual(IdentifierRule.maxUTF8Bytes, 256)
        XCTAssertNil(IdentifierRule.problem(String(repeating: "x", count: 256)))
        XCTAssertEqual(IdentifierRule.problem(String(repeating: "x", count: 257)), .tooLong(utf8Bytes: 257))
        // 86 three-byte letters are 258 bytes, though only 86 characters.
        XCTAssertEqual(IdentifierRule.problem(String(repeating: "汤", count: 86)), .tooLong(utf8Bytes: 258))
        XCTAssertEqual(
            IdentifierRule.Problem.tooLong(utf8Bytes: 300).description, "is 300 bytes long, more than the limit of 256 UTF-8 bytes")
    }

    private func receiversOffline(_ body: String, maxPeers: Int = 100) -> HookInputError? {
        do {
            _ = try ReceiversOfflineHook(HookParameters(body: Array(body.utf8)), maxPeers: maxPeers)
            return nil
        } catch {
            return error
        }
    }

    func testReceiversOfflineNamesTheParameterHoldingTheBadId() {
        let nul = IdentifierRule.Problem.controlCharacter("\u{0}")
        let cases: [(String, String)] = [
            (#"{"fromPeer":"Tom\u0000","convId":"c","offlinePeers":["b"],"content":""}"#, "fromPeer"),
            (#"{"fromPeer":"Tom","convId":"c\u0000x","offlinePeers":["b"],"content":""}"#, "convId"),
            (#"{"fromPeer":"Tom","convId":"c","offlinePeers":["b","\u0000"],"content":""}"#, "offlinePeers[1]"),
            (#"{"fromPeer":"Tom","convId":"c","offlinePeers":["b"],"content":"","mentionOfflinePeers":["b","c","\u0000"]}"#, "mentionOfflinePeers[2]"),
        ]
        for (body, field) in cases {
            XCTAssertEqual(receiversOffline(body), HookInputError(.invalidId(field: field, nul)), body)
            XCTAssertEqual(receiversOffline(body)?.description, "parameter '\(field)' must not contain control characters (found U+0000)")
        }
        // The content is message text, not an id: control characters are its own business.
        XCTAssertNil(receiversOffline(#"{"fromPeer":"Tom","convId":"c","offlinePeers":["b"],"content":"a\u0000b\n"}"#))
    }

    func testTooManyMentionsNameMentionOfflinePeers() {
        let body = #"{"fromPeer":"a","convId":"c","offlinePeers":["x"],"content":"","mentionOfflinePeers":["x","y","z"]}"#
        XCTAssertEqual(receiversOffline(body, maxPeers: 2), HookInputError(.tooManyPeers(field: "mentionOfflinePeers", count: 3, limit: 2)))
        XCTAssertEqual(receiversOffline(body, maxPeers: 2)?.description, "mentionOfflinePeers lists 3 receivers, more than the limit of 2")
        XCTAssertNil(receiversOffline(body, maxPeers: 3))
    }

    func testPeerIdIsOptionalButHeldToTheRule() throws {
        let parameters = try HookParameters(body: Array(#"{"peerId":"Jerry\u001F"}"#.utf8))
        XCTAssertThrowsError(try parameters.optionalId("peerId")) { error in
            XCTAssertEqual((error as? HookInputError)?.description, "parameter 'peerId' must not contain control characters (found U+001F)")
        }
        XCTAssertNil(try HookParameters(body: Array("{}".utf8)).optionalId("peerId"))
    }
}
