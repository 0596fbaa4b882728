import PushCompose
import XCTest

/// Reading a hook body: the protocol's `_` rule, and a clear error for every bad input.
final class HookParametersTests: XCTestCase {
    private let seedBody = #"""
        {"fromPeer":"Tom","convId":"5789a33a1b8694ad267d8040","offlinePeers":["Jerry"],
         "content":"{\"_lctext\":\"Holy crap!\",\"_lctype\":-1}","timestamp":1472200796764,
         "mentionAll":false,"mentionOfflinePeers":[],"__sign":"1472200796787,a26fb3c0bd5b05ff26ec5ac2d35a3a8c0bf6c1b0"}
        """#

    private func parameters(_ body: String) throws(HookInputError) -> HookParameters {
        try HookParameters(body: Array(body.utf8))
    }

    private func error(_ body: [UInt8], maxPeers: Int = 100) -> HookInputError? {
        do {
            _ = try ReceiversOfflineHook(HookParameters(body: body), maxPeers: maxPeers)
            return nil
        } catch {
            return error
        }
    }

    private func error(_ body: String, maxPeers: Int = 100) -> HookInputError? { error(Array(body.utf8), maxPeers: maxPeers) }

    func testSeedBodyIsRead() throws {
        let hook = try ReceiversOfflineHook(parameters(seedBody), maxPeers: 100)
        XCTAssertEqual(
            hook,
            ReceiversOfflineHook(
                fromPeer: "Tom", convId: "5789a33a1b8694ad267d8040", offlinePeers: ["Jerry"],
                content: #"{"_lctext":"Holy crap!","_lctype":-1}"#, timestamp: 1_472_200_796_764, mentionAll: false,
                mentionOfflinePeers: []))
    }

    func testOptionalMembersDefault() throws {
        let hook = try ReceiversOfflineHook(
            parameters(#"{"fromPeer":"a","convId":"c","offlinePeers":["b"],"content":"x","mentionAll":null}"#), maxPeers: 10)
        XCTAssertNil(hook.timestamp)
        XCTAssertFalse(hook.mentionAll)
        XCTAssertEqual(hook.mentionOfflinePeers, [])
    }

    func testEscapedUnicodeIsDecoded() throws {
        let hook = try ReceiversOfflineHook(
            parameters(#"{"fromPeer":"\u00e9","convId":"c","offlinePeers":["b"],"content":"\ud83d\ude00 \"q\" \\ \n"}"#),
            maxPeers: 10)
        XCTAssertEqual(hook.fromPeer, "é")
        XCTAssertEqual(hook.content, "😀 \"q\" \\ \n")
    }

    func testUnderscoreKeysAreDroppedExceptDoubleUnderscoreType() throws {
        let parameters = try parameters(#"{"fromPeer":"Tom","_lcId":"x","__type":"Pointer","__sign":"s","_":1,"a_b":2}"#)
        XCTAssertEqual(Set(parameters.members.map(\.key)), ["fromPeer", "__type", "a_b"])
        XCTAssertEqual(parameters["__type"], .string("Pointer"))
        XCTAssertNil(parameters["_lcId"])
        XCTAssertNil(parameters["__sign"])
    }

    func testInvalidUTF8IsRefused() {
        // Inside a string: C3 must be followed by a continuation byte.
        let inString = Array(#"{"fromPeer":"T"#.utf8) + [0xC3, 0x28] + Array(#"","convId":"c","offlinePeers":[],"content":""}"#.utf8)
        XCTAssertEqual(error(inString), HookInputError(.invalidUTF8))
        XCTAssertEqual(error([0xFF, 0xFE, 0x7B, 0x7D]), HookInputError(.invalidUTF8))
        XCTAssertEqual(HookInputError(.invalidUTF8).description, "body is not valid UTF-8")
    }

    func testBodiesThatAreNotJSONAreRefused() {
        for body in ["", "hello", #"{"fromPeer":"Tom","#, "{'a':1}", #"{"a":1}}"#, "{\"a\":01}"] {
            XCTAssertEqual(error(body), HookInputError(.notJSON), "body \(body)")
        }
        XCTAssertEqual(HookInputError(.notJSON).description, "body is not valid JSON")
    }

    func testBodiesThatAreNotObjectsAreRefused() {
        for body in ["[1,2]", #""text""#, "42", "null", "true"] {
            XCTAssertEqual(error(body), HookInputError(.notAnObject), "body \(body)")
        }
    }

    func testMissingFieldIsNamed() {
        let body = #"{"fromPeer":"Tom","offlinePeers":["Jerry"],"content":"hi"}"#
        XCTAssertEqual(error(body), HookInputError(.missingField("convId")))
        XCTAssertEqual(error(body)?.description, "missing parameter 'convId'")
        XCTAssertEqual(error(#"{"fromPeer":"Tom","convId":"c","content":"hi"}"#), HookInputError(.missingField("offlinePeers")))
        XCTAssertEqual(
            error(#"{"fromPeer":"Tom","convId":"c","offlinePeers":[],"content":null}"#), HookInputError(.missingField("content")))
        // A leading underscore is dropped before the function sees it, so `_content` does not count.
        XCTAssertEqual(
            error(#"{"fromPeer":"Tom","convId":"c","offlinePeers":[],"_content":"x"}"#), HookInputError(.missingField("content")))
    }

    func testWrongTypeNamesTheField() {
        let cases: [(body: String, field: String, expected: String)] = [
            (#"{"fromPeer":1,"convId":"c","offlinePeers":[],"content":""}"#, "fromPeer", "a string"),
            (#"{"fromPeer":"a","convId":"c","offlinePeers":"Jerry","content":""}"#, "offlinePeers", "an array of strings"),
            (#"{"fromPeer":"a","convId":"c","offlinePeers":["b",2],"content":""}"#, "offlinePeers", "an array of strings"),
            (#"{"fromPeer":"a","convId":"c","offlinePeers":[],"content":{"_lctype":-1}}"#, "content", "a string"),
            (#"{"fromPeer":"a","convId":"c","offlinePeers":[],"content":"","timestamp":"now"}"#, "timestamp", "a number"),
            (#"{"fromPeer":"a","convId":"c","offlinePeers":[],"content":"","mentionAll":"true"}"#, "mentionAll", "a boolean"),
            // Beyond ±2^53 ms a timestamp is no time (and 1e400 parses as infinity).
            (#"{"fromPeer":"a","convId":"c","offlinePeers":[],"content":"","timestamp":1e19}"#, "timestamp", "milliseconds since the epoch"),
            (#"{"fromPeer":"a","convId":"c","offlinePeers":[],"content":"","timestamp":-1e400}"#, "timestamp", "milliseconds since the epoch"),
            (#"{"fromPeer":"a","convId":"c","offlinePeers":[],"content":"","mentionOfflinePeers":"b"}"#, "mentionOfflinePeers", "an array of strings"),
        ]
        for (body, field, expected) in cases {
            let error = error(body)
            XCTAssertEqual(error, HookInputError(.wrongType(field: field, expected: expected)), body)
            XCTAssertEqual(error?.description, "parameter '\(field)' must be \(expected)", body)
        }
    }

    func testTooManyPeersIsRefused() {
        let three = #"{"fromPeer":"a","convId":"c","offlinePeers":["x","y","z"],"content":""}"#
        XCTAssertEqual(error(three, maxPeers: 2), HookInputError(.tooManyPeers(field: "offlinePeers", count: 3, limit: 2)))
        XCTAssertEqual(error(three, maxPeers: 2)?.description, "offlinePeers lists 3 receivers, more than the limit of 2")
        XCTAssertNil(error(three, maxPeers: 3))
        let mentions = #"{"fromPeer":"a","convId":"c","offlinePeers":["x"],"content":"","mentionOfflinePeers":["x","y","z"]}"#
        XCTAssertEqual(error(mentions, maxPeers: 2), HookInputError(.tooManyPeers(field: "mentionOfflinePeers", count: 3, limit: 2)))
    }
}
