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
}
