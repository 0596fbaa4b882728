import PushCompose
import XCTest

/// Reading `_conversationUpdate` parameters: a mute change or a name change.
final class ConversationUpdateHookTests: XCTestCase {
    private func read(_ body: String) throws(HookInputError) -> ConversationUpdateHook {
        try ConversationUpdateHook(HookParameters(body: Array(body.utf8)))
    }

    func testMute() throws {
        XCTAssertEqual(
            try read(#"{"initBy":"Jerry","convId":"c1","mute":true}"#),
            ConversationUpdateHook(initBy: "Jerry", convId: "c1", change: .mute(true)))
        XCTAssertEqual(try read(#"{"initBy":"Jerry","convId":"c1","mute":false}"#).change, .mute(false))
    }

    func testAttributes() throws {
        XCTAssertEqual(try read(#"{"initBy":"Tom","convId":"c1","attr":{"name":"Chase"}}"#).change, .attributes(name: "Chase"))
        XCTAssertEqual(try read(#"{"initBy":"Tom","convId":"c1","attr":{"color":"red"}}"#).change, .attributes(name: nil))
        XCTAssertEqual(try read(#"{"initBy":"Tom","convId":"c1"}"#).change, .attributes(name: nil))
    }

    func testWrongTypesNameTheField() {
        XCTAssertThrowsError(try read(#"{"initBy":"Tom","convId":"c1","mute":"yes"}"#)) { error in
            XCTAssertEqual(error as? HookInputError, HookInputError(.wrongType(field: "mute", expected: "a boolean")))
        }
        XCTAssertThrowsError(try read(#"{"initBy":"Tom","convId":"c1","attr":[1]}"#)) { error in
            XCTAssertEqual(error as? HookInputError, HookInputError(.wrongType(field: "attr", expected: "an object")))
        }
        XCTAssertThrowsError(try read(#"{"initBy":"Tom","convId":"c1","attr":{"name":5}}"#)) { error in
            XCTAssertEqual(error as? HookInputError, HookInputError(.wrongType(field: "attr.name", expected: "a string")))
        }
        XCTAssertThrowsError(try read(#"{"convId":"c1","mute":true}"#)) { error in
            XCTAssertEqual(error as? HookInputError, HookInputError(.missingField("initBy")))
        }
    }

    func testIdsAreHeldToTheIdentifierRule() {
        // A NUL once cut "support-1\0evil" to "support-1" in storage and renamed that conversation.
        XCTAssertThrowsError(try read(#"{"initBy":"Tom","convId":"support-1\u0000evil","attr":{"name":"Pwned"}}"#)) { error in
            XCTAssertEqual(error as? HookInputError, HookInputError(.invalidId(field: "convId", .controlCharacter("\u{0}"))))
        }
        XCTAssertThrowsError(try read(#"{"initBy":"Jerry\u0000ghost","convId":"c1","mute":true}"#)) { error in
            XCTAssertEqual((error as? HookInputError)?.description, "parameter 'initBy' must not contain control characters (found U+0000)")
        }
        let long = String(repeating: "c", count: IdentifierRule.maxUTF8Bytes + 1)
        XCTAssertThrowsError(try read(#"{"initBy":"Tom","convId":"\#(long)","mute":true}"#)) { error in
            XCTAssertEqual(error as? HookInputError, HookInputError(.invalidId(field: "convId", .tooLong(utf8Bytes: 257))))
        }
        XCTAssertEqual(try read(#"{"initBy":"Tom Cat/%","convId":"support-客服","mute":true}"#).convId, "support-客服")
    }
}
