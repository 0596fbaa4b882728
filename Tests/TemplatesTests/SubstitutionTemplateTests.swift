import Mustache
import PushCompose
@testable import Templates
import XCTest

/// Plain-substitution templates skip swift-mustache's general lookup; their output must be
/// exactly what swift-mustache renders, and anything else must go to swift-mustache.
final class SubstitutionTemplateTests: XCTestCase {
    private func input(text: String = "hi \"there\" {{x}}", attrs: [(key: String, value: JSONValue)] = [], typeCode: Int? = -1,
                       timestamp: Double? = 1_700_000_000_000, mentionAll: Bool = false, mention: Mention = .you) -> RenderInput {
        RenderInput(
            sender: .init(id: "tom", name: "Tom Cat"), conversation: .init(id: "c-1", name: "Lunch"),
            content: MessageContent(kind: .text, typeCode: typeCode, text: text, attrs: attrs),
            text: text, fullText: text + " (full)",
            receiver: .init(id: "jerry", name: "Jerry", locale: "zh-Hans", mention: mention),
            mentionAll: mentionAll, timestamp: timestamp)
    }

    private func mustache(_ source: String, _ input: RenderInput) throws -> String {
        try MustacheTemplate(string: "{{% CONTENT_TYPE:TEXT}}" + source).render(RenderContext(input: input))
    }

    func testSubstitutionRendersWhatSwiftMustacheRenders() throws {
        let sources = [
            "{{sender.name}}: {{message.text}}",
            "{{ sender.name }} → {{{message.fullText}}} / {{& conversation.name}}",
            "{{receiver.id}} {{receiver.name}} {{receiver.locale}} {{receiver.mentioned}} {{mentionAll}}",
            "{{message.kind}} {{message.type}} {{timestamp}} {{conversation.id}} {{sender.id}}",
            "{{message.attrs.level}} {{message.attrs.count}} {{message.attrs.ok}} {{message.attrs.ratio}} {{message.attrs.missing}}",
            "{{message.attrs.nested.deep}} {{message.attrs.list}}",
            "{{nothing}}{{sender.nothing}}{{message.text.deeper}}",
            "no tags at all, 👨‍👩‍👧",
            "a { single brace } and }} stray closers",
            RenderField.allCases.map { "{{\($0.rawValue)}}" }.joined(separator: "|"),
        ]
        let inputs = [
            input(),
            input(attrs: [
                (key: "level", value: .string("high")), (key: "count", value: .number(3)), (key: "ok", value: .bool(true)),
                (key: "ratio", value: .number(1.5)), (key: "nested", value: .object([(key: "deep", value: .string("d"))])),
                (key: "list", value: .array([.number(1), .string("b")])),
            ]),
            input(text: "", typeCode: nil, timestamp: nil, mentionAll: true, mention: .none),
            input(typeCode: 7, timestamp: 1_700_000_000_000.5, mention: .all),
        ]
        for source in sources {
            let fast = try XCTUnwrap(SubstitutionTemplate(source), source)
            for input in inputs {
                XCTAssertEqual(fast.render(RenderContext(input: input)), try mustache(source, input), source)
            }
        }
    }

    func testEverythingElseIsLeftToSwiftMustache() {
        for source in [
            "{{#receiver.mentioned}}@you{{/receiver.mentioned}}", "{{^mentionAll}}x{{/mentionAll}}", "{{! comment }}",
            "{{> partial}}", "{{=<% %>=}}", "{{.}}", "{{uppercased(sender.name)}}", "{{% CONTENT_TYPE:TEXT}}", "{{ }}",
            "{{unclosed", "{{{triple}}", "{{.leading}}", "{{a..b}}",
        ] {
            XCTAssertNil(SubstitutionTemplate(source), source)
        }
    }

    func testSectionsStillRenderThroughSwiftMustache() throws {
        let text = try MustacheText("{{#receiver.mentioned}}@{{receiver.name}} {{/receiver.mentioned}}{{message.text}}")
        XCTAssertNil(text.substitution)
        XCTAssertEqual(text.render(RenderContext(input: input(text: "yo"))), "@Jerry yo")
    }
}
