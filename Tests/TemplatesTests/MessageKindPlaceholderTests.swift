import PushCompose
import Templates
import XCTest

/// Each message kind shows its text or its placeholder — per app type, then `app`, then
/// the built-in text — never the raw JSON.
final class MessageKindPlaceholderTests: XCTestCase {
    private static let text = """
        name: default
        default: true
        placeholders:
          image: "[Photo]"
          audio: "[Voice]"
          video: "[Clip]"
          location: "[Pin]"
          file: "[Doc]"
          recalled: "unsent a message"
          app: "[App message]"
          "7": "[Sticker]"
          "-50": "[Poll]"
        push:
          alert: "{{sender.name}}: {{message.text}}"
          kind: "{{message.kind}}"
          type: "{{message.type}}"
        """

    private var set: TemplateSet!

    override func setUpWithError() throws {
        set = try loadSet([(file: "default.yaml", text: Self.text)])
    }

    private func rendered(_ content: String) throws -> [String: Any] {
        try decodeObject(XCTUnwrap(compose(set, makeHook(content: content)).answer.pushMessage))
    }

    func testEveryKind() throws {
        let cases: [(content: String, alert: String, kind: String, type: String)] = [
            (#"{"_lctype":-1,"_lctext":"Holy crap!"}"#, "Tom: Holy crap!", "text", "-1"),
            (#"{"_lctype":-2,"_lctext":"caption","_lcfile":{"url":"https://example.com/a.png"}}"#, "Tom: [Photo]", "image", "-2"),
            (#"{"_lctype":-3,"_lcfile":{"url":"https://example.com/a.m4a"}}"#, "Tom: [Voice]", "audio", "-3"),
            (#"{"_lctype":-4,"_lcfile":{"url":"https://example.com/a.mp4"}}"#, "Tom: [Clip]", "video", "-4"),
            (#"{"_lctype":-5,"_lcloc":{"latitude":1,"longitude":2}}"#, "Tom: [Pin]", "location", "-5"),
            (#"{"_lctype":-6,"_lcfile":{"name":"a.pdf"}}"#, "Tom: [Doc]", "file", "-6"),
            (#"{"_lctype":-127}"#, "Tom: unsent a message", "recalled", "-127"),
            (#"{"_lctype":7,"_lctext":"sticker"}"#, "Tom: [Sticker]", "app", "7"),
            (#"{"_lctype":8,"_lctext":"card"}"#, "Tom: [App message]", "app", "8"),
            (#"{"_lctype":-50}"#, "Tom: [Poll]", "unknown", "-50"),
            (#"{"_lctype":-51}"#, "Tom: [App message]", "unknown", "-51"),
            ("plain words", "Tom: plain words", "text", ""),
            (#"{"foo":"bar"}"#, "Tom: [App message]", "unknown", ""),  // an object without a type: never its JSON
        ]
        for (content, alert, kind, type) in cases {
            let object = try rendered(content)
            XCTAssertEqual(object["alert"] as? String, alert, content)
            XCTAssertEqual(object["kind"] as? String, kind, content)
            XCTAssertEqual(object["type"] as? String, type, content)
        }
    }

    func testBuiltInPlaceholdersWhenTheTemplateNamesNone() throws {
        let set = try loadSet([(file: "default.yaml", text: minimalDefault)])
        let cases: [(String, String)] = [
            (#"{"_lctype":-2}"#, "Tom: [Image]"), (#"{"_lctype":-3}"#, "Tom: [Voice message]"),
            (#"{"_lctype":-4}"#, "Tom: [Video]"), (#"{"_lctype":-5}"#, "Tom: [Location]"), (#"{"_lctype":-6}"#, "Tom: [File]"),
            (#"{"_lctype":-127}"#, "Tom: [Message recalled]"), (#"{"_lctype":7}"#, "Tom: [Message]"),
            (#"{"_lctype":-50}"#, "Tom: [Message]"),
        ]
        for (content, expected) in cases {
            XCTAssertEqual(try alert(of: compose(set, makeHook(content: content)).answer.pushMessage), expected, content)
        }
    }

    func testTypedMessagesNeverShowJSON() throws {
        for code in [-2, -3, -4, -5, -6, -127, 1, 7, 8, -50, -51] {
            let content = #"{"_lctype":\#(code),"_lctext":"caption","_lcattrs":{"a":"b"},"_lcfile":{"url":"u"}}"#
            let alert = try XCTUnwrap(rendered(content)["alert"] as? String)
            XCTAssertFalse(alert.contains("{") || alert.contains("_lc") || alert.contains("caption"), alert)
        }
    }
}
