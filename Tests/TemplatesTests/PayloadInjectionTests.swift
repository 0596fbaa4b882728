import Foundation
import PushCompose
import Templates
import XCTest

/// No message content can break or inject into the payload: rendered values are plain
/// text placed by a JSON encoder, Mustache is not re-evaluated on user text, and nothing
/// is HTML-escaped.
final class PayloadInjectionTests: XCTestCase {
    private static let text = """
        name: default
        default: true
        policy:
          truncate: 1000
        push:
          alert: "{{sender.name}}: {{message.text}}"
          body: "{{{message.fullText}}}"
          note: "{{&message.attrs.note}}"
        """

    private static let hostile =
        "He said \"hi\" \\ and left } ] {\n\"alert\":\"pwned\",\r\n\t"
        + "\u{2028}\u{2029}\u{00}\u{01}\u{1B}\u{1F}\u{7F} {{sender.name}} {{{x}}} {{#message}}loop{{/message}} {{> partial}} "
        + "<b>bold</b> &amp; & ' </script> 👨‍👩‍👧 e\u{301}"

    private var set: TemplateSet!

    override func setUpWithError() throws {
        set = try loadSet([(file: "default.yaml", text: Self.text)])
    }

    private func payload(_ hook: ReceiversOfflineHook, registry: TestRegistry = TestRegistry()) throws -> (String, [String: Any]) {
        let plan = compose(set, hook, registry: registry)
        let payload = try XCTUnwrap(plan.answer.pushMessage)
        return (payload, try decodeObject(payload))
    }

    func testHostileTextArrivesIntactAsText() throws {
        let (payload, object) = try payload(makeHook(content: textContent(Self.hostile, attrs: ["note": Self.hostile])))
        XCTAssertEqual((object["alert"] as? String).map { Array($0.unicodeScalars) }, Array(("Tom: " + Self.hostile).unicodeScalars))
        XCTAssertEqual((object["body"] as? String).map { Array($0.unicodeScalars) }, Array(Self.hostile.unicodeScalars))
        XCTAssertEqual((object["note"] as? String).map { Array($0.unicodeScalars) }, Array(Self.hostile.unicodeScalars))
        XCTAssertEqual(Set(object.keys), ["alert", "body", "note", "badge"])
        XCTAssertEqual(object["badge"] as? String, "Increment")
        // The payload is one line with no raw control or separator characters.
        XCTAssertFalse(payload.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{2029}" }, payload)
    }

    func testHostilePlainContentArrivesIntact() throws {
        let plain = #"}","badge":99,"alert":"pwned"} {{sender.id}}"#
        let (_, object) = try payload(makeHook(content: plain))
        XCTAssertEqual(object["alert"] as? String, "Tom: " + plain)
        XCTAssertEqual(object["badge"] as? String, "Increment")
        XCTAssertEqual(Set(object.keys), ["alert", "body", "note", "badge"])
    }

    func testMustacheInUserTextIsNotEvaluated() throws {
        let (_, object) = try payload(makeHook(content: textContent("{{sender.name}} {{{x}}} {{receiver.id}}")))
        XCTAssertEqual(object["alert"] as? String, "Tom: {{sender.name}} {{{x}}} {{receiver.id}}")
    }

    func testNamesAreNotEvaluatedOrEscapedEither() throws {
        let registry = TestRegistry(
            clients: ["tom": ClientEntry(name: "<Tom & \"Co\"> {{message.text}}")],
            conversations: ["c": ConversationEntry(name: "{{#x}}")])
        let (_, object) = try payload(makeHook(from: "tom", conversation: "c", content: textContent("hi")), registry: registry)
        XCTAssertEqual(object["alert"] as? String, "<Tom & \"Co\"> {{message.text}}: hi")
    }

    func testNoHTMLEscaping() throws {
        let (payload, object) = try payload(makeHook(content: textContent("<b>&</b> 'x' \"y\"")))
        XCTAssertEqual(object["alert"] as? String, "Tom: <b>&</b> 'x' \"y\"")
        XCTAssertFalse(payload.contains("&amp;"))
        XCTAssertFalse(payload.contains("&lt;"))
        XCTAssertFalse(payload.contains("&#"))
    }

    func testTheWholeAnswerSurvivesTwoLevelsOfEncoding() throws {
        let plan = compose(set, makeHook(to: ["a", "b"], content: textContent(Self.hostile), mentioned: ["a"]))
        let answer = JSONEncoding.string(plan.answer.json)
        let outer = try decodeObject(answer)
        let pushMessage = try XCTUnwrap(outer["pushMessage"] as? String)
        XCTAssertEqual(pushMessage, plan.answer.pushMessage)
        let inner = try decodeObject(pushMessage)
        XCTAssertEqual((inner["body"] as? String).map { Array($0.unicodeScalars) }, Array(Self.hostile.unicodeScalars))
    }
}
