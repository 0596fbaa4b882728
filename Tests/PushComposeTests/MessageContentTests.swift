import PushCompose
import XCTest

/// Reading `content`: typed messages by `_lctype`, everything else plain text; and what
/// each kind shows in the alert (its text, or a placeholder — never the raw JSON).
final class MessageContentTests: XCTestCase {
    func testTypedKindsByTypeCode() {
        let cases: [(code: Int, kind: MessageKind, name: String)] = [
            (-1, .text, "text"), (-2, .image, "image"), (-3, .audio, "audio"), (-4, .video, "video"),
            (-5, .location, "location"), (-6, .file, "file"), (-127, .recalled, "recalled"),
            (1, .app(1), "app"), (7, .app(7), "app"), (-50, .unknown(-50), "unknown"), (0, .unknown(0), "unknown"),
        ]
        for (code, kind, name) in cases {
            let content = MessageContent(parsing: #"{"_lctype":\#(code),"_lctext":"t"}"#)
            XCTAssertEqual(content.kind, kind, "type \(code)")
            XCTAssertEqual(content.typeCode, code, "type \(code)")
            XCTAssertEqual(content.kind.name, name, "type \(code)")
            XCTAssertEqual(content.text, "t", "type \(code)")
        }
    }

    func testOnlyTextKindsShowTheirText() {
        XCTAssertTrue(MessageKind.plain.showsText)
        XCTAssertTrue(MessageKind.text.showsText)
        for kind: MessageKind in [.image, .audio, .video, .location, .file, .recalled, .app(7), .unknown(-9)] {
            XCTAssertFalse(kind.showsText, "\(kind)")
        }
    }

    func testTextMessage() {
        let content = MessageContent(parsing: #"{"_lctext":"Holy crap!","_lctype":-1}"#)
        XCTAssertEqual(content, MessageContent(kind: .text, typeCode: -1, text: "Holy crap!"))
    }

    func testTypedMessageWithoutTextHasEmptyText() {
        let content = MessageContent(parsing: #"{"_lctype":-2,"_lcfile":{"url":"https://example.com/a.png"}}"#)
        XCTAssertEqual(content, MessageContent(kind: .image, typeCode: -2, text: ""))
    }

    func testAttributesAreRead() {
        let content = MessageContent(parsing: #"{"_lctype":7,"_lctext":"x","_lcattrs":{"level":"high","n":3,"ok":true}}"#)
        XCTAssertEqual(content.attr("level"), .string("high"))
        XCTAssertEqual(content.attr("n"), .number(3))
        XCTAssertEqual(content.attr("ok"), .bool(true))
        XCTAssertNil(content.attr("missing"))
        XCTAssertEqual(content.attrs.count, 3)
    }

    func testPlainTextIsKeptAsItIs() {
        for text in ["hello", "", "[1,2]", "not json}", "a {\"_lctext\":\"hi\"}", "👨‍👩‍👧 \"q\""] {
            XCTAssertEqual(MessageContent(parsing: text), MessageContent(kind: .plain, typeCode: nil, text: text), text)
        }
    }

    func testContentThatLooksLikeAnObjectButIsNotOneHasNoText() {
        // Cut, malformed, followed by more, or nested past the parser's limit: of unknown
        // kind with no text and no attributes, so neither its text nor its JSON can show.
        let nested = #"{"_lctext":"PIN 4321","_lctype":-1,"deep":"# + String(repeating: "[", count: JSONParser.maxDepth + 1)
            + String(repeating: "]", count: JSONParser.maxDepth + 1) + "}"
        let unreadable = [
            #"{"_lctext":"PIN 4321","_lctype":-1,"_lcattrs":{"confidential":"tr"#,
            #"{"_lctext":"PIN 4321""#, "{not json", #" {"_lctext":"PIN 4321","_lctype":-1} and more"#,
            #"{"_lctext":"PIN 4321",}"#, "\n\t{", nested,
        ]
        for content in unreadable {
            let read = MessageContent(parsing: content)
            XCTAssertEqual(read, MessageContent(kind: .unknown(0), typeCode: nil, text: ""), content)
        }
    }

    func testAttributesThatCannotBeReadHideTheText() {
        // A template may hide text by attribute: attributes that are there but not an object
        // must not let the text through.
        for attrs in [#""{\"confidential\":\"true\"}""#, #"["confidential"]"#, "true", "1"] {
            let content = MessageContent(parsing: #"{"_lctext":"PIN 4321","_lctype":-1,"_lcattrs":\#(attrs)}"#)
            XCTAssertEqual(content, MessageContent(kind: .unknown(0), typeCode: nil, text: ""), attrs)
        }
        // No attributes at all is fine.
        XCTAssertEqual(
            MessageContent(parsing: #"{"_lctext":"hi","_lctype":-1,"_lcattrs":null}"#),
            MessageContent(kind: .text, typeCode: -1, text: "hi"))
    }

    func testJSONObjectsWithoutAUsableTypeAreNeverShownAsJSON() {
        // A JSON object is a typed message; without a usable _lctype its _lctext is text.
        for text in [#"{"_lctext":"hi"}"#, #"{"_lctype":"-1","_lctext":"hi"}"#, #"{"_lctype":-1.5,"_lctext":"hi"}"#, #"  {"_lctext":"hi"}"#] {
            let content = MessageContent(parsing: text)
            XCTAssertEqual(content.kind, .text, text)
            XCTAssertNil(content.typeCode, text)
            XCTAssertEqual(content.text, "hi", text)
        }
        // Without text either, it is of unknown kind: a placeholder, not the JSON.
        for text in [#"{"foo":"bar"}"#, #"{"_lctype":null}"#, #"{"_lctype":1e12}"#, #"  {"_lctype":"x"}"#] {
            let content = MessageContent(parsing: text)
            XCTAssertEqual(content.kind, .unknown(0), text)
            XCTAssertNil(content.typeCode, text)
            XCTAssertEqual(content.text, "", text)
        }
    }

    // MARK: - What each kind shows, through the composer

    private func shownAlert(for content: String) throws -> String {
        let plan = Composer(templates: TestSelector()).compose(makeHook(content: content))
        return try alert(of: plan.answer.pushMessage)
    }

    func testEachKindShowsItsTextOrPlaceholder() throws {
        let cases: [(content: String, alert: String)] = [
            (#"{"_lctype":-1,"_lctext":"hi there"}"#, "Tom: hi there"),
            (#"{"_lctype":-2,"_lctext":"caption","_lcfile":{"url":"https://example.com/a.png"}}"#, "Tom: [Image]"),
            (#"{"_lctype":-3,"_lcfile":{"url":"https://example.com/a.m4a","metaData":{"duration":3}}}"#, "Tom: [Voice]"),
            (#"{"_lctype":-4,"_lcfile":{"url":"https://example.com/a.mp4"}}"#, "Tom: [Video]"),
            (#"{"_lctype":-5,"_lcloc":{"latitude":31.2,"longitude":121.5}}"#, "Tom: [Location]"),
            (#"{"_lctype":-6,"_lcfile":{"url":"https://example.com/a.pdf"}}"#, "Tom: [File]"),
            (#"{"_lctype":-127}"#, "Tom: recalled a message"),
            (#"{"_lctype":7,"_lctext":"sticker text"}"#, "Tom: [Sticker]"),  // per-type placeholder "7"
            (#"{"_lctype":8,"_lctext":"card"}"#, "Tom: [Message]"),  // falls back to "app"
            (#"{"_lctype":-99}"#, "Tom: [Unknown]"),
            ("just words", "Tom: just words"),
            (#"{"foo":"bar"}"#, "Tom: [Unknown]"),  // an object without a type: never its JSON
            (#"{"_lctext":"PIN 4321","_lctype":-1"#, "Tom: [Unknown]"),  // a cut object: neither JSON nor text
        ]
        for (content, expected) in cases {
            XCTAssertEqual(try shownAlert(for: content), expected, content)
        }
    }

    func testPlaceholdersAreNotCutByTheTextTruncation() throws {
        // The policy's length is for the message's text; the placeholder is shown whole.
        let template = TestTemplate(policy: PushPolicy(truncate: 3), placeholders: ["image": "[A long image placeholder]"])
        let composer = Composer(templates: TestSelector(template))
        let image = composer.compose(makeHook(content: #"{"_lctype":-2}"#))
        XCTAssertEqual(try alert(of: image.answer.pushMessage), "Tom: [A long image placeholder]")
        let text = composer.compose(makeHook(content: textContent("abcdef")))
        XCTAssertEqual(try alert(of: text.answer.pushMessage), "Tom: abc…")
    }

    func testTypedMessagesNeverShowTheirJSON() throws {
        for code in [-2, -3, -4, -5, -6, -127, 3, 7, -99] {
            let alert = try shownAlert(for: #"{"_lctype":\#(code),"_lctext":"secret","_lcattrs":{"k":"v"}}"#)
            XCTAssertFalse(alert.contains("_lc"), alert)
            XCTAssertFalse(alert.contains("{"), alert)
            XCTAssertFalse(alert.contains("secret"), alert)
        }
    }
}
