import PushCompose
import Templates
import XCTest

/// Every variable a template may use, and payload members that are not strings.
final class TemplateVariablesTests: XCTestCase {
    private static let text = """
        name: default
        default: true
        policy:
          truncate: 5
          badge: none
        push:
          alert: "{{sender.id}}|{{sender.name}}|{{conversation.id}}|{{conversation.name}}"
          message: "{{message.text}}|{{message.fullText}}|{{message.kind}}|{{message.type}}|{{message.attrs.level}}"
          receiver: "{{receiver.id}}|{{receiver.name}}|{{receiver.locale}}|{{#receiver.mentioned}}M{{/receiver.mentioned}}{{^receiver.mentioned}}-{{/receiver.mentioned}}"
          flags: "{{#mentionAll}}ALL{{/mentionAll}}{{^mentionAll}}some{{/mentionAll}}|{{timestamp}}"
          badge: 1
          content-available: 1
          ratio: 0.5
          mutable: true
          nothing: null
          aps:
            category: "MSG_{{message.kind}}"
            list: [1, "{{sender.id}}", false]
        """

    private var set: TemplateSet!

    private let registry = TestRegistry(
        clients: ["tom": ClientEntry(name: "Tom Cat"), "jerry": ClientEntry(name: "Jerry Mouse", locale: "en-GB")],
        conversations: ["c1": ConversationEntry(name: "The Chase")])

    override func setUpWithError() throws {
        set = try loadSet([(file: "default.yaml", text: Self.text)])
    }

    func testEveryVariableAndLiteral() throws {
        let content = textContent("abcdefgh", attrs: ["level": 3])
        let plan = compose(
            set, makeHook(from: "tom", conversation: "c1", to: ["jerry"], content: content), registry: registry)
        XCTAssertEqual(
            plan.answer.pushMessage,
            #"{"alert":"tom|Tom Cat|c1|The Chase","message":"abcde…|abcdefgh|text|-1|3","#
                + #""receiver":"jerry|Jerry Mouse|en-GB|-","flags":"some|1472200796764","badge":1,"content-available":1,"#
                + #""ratio":0.5,"mutable":true,"nothing":null,"aps":{"category":"MSG_text","list":[1,"tom",false]}}"#)
    }

    func testMentionedAndMentionAllSections() throws {
        let plan = compose(set, makeHook(from: "tom", to: ["x"], mentionAll: true, timestamp: nil), registry: registry)
        let object = try decodeObject(XCTUnwrap(plan.answer.pushMessage))
        XCTAssertEqual(object["receiver"] as? String, "x|x|en|M")  // unknown receiver: id as name, default locale
        XCTAssertEqual(object["flags"] as? String, "ALL|")
    }

    func testReceiverIdentityIsDetected() throws {
        XCTAssertTrue(set.defaultTemplate.dependsOnReceiverIdentity)
        let plan = compose(set, makeHook(to: ["a", "b"]))
        XCTAssertEqual(plan.groups.map(\.receivers), [["a"], ["b"]])

        let mentionedOnly = try loadSet([(
            file: "default.yaml",
            text: "name: default\ndefault: true\npush:\n  alert: \"{{#receiver.mentioned}}@ {{/receiver.mentioned}}{{message.text}}\"\n"
        )])
        XCTAssertFalse(mentionedOnly.defaultTemplate.dependsOnReceiverIdentity)
        XCTAssertEqual(compose(mentionedOnly, makeHook(to: ["a", "b"])).groups.map(\.receivers), [["a", "b"]])
        XCTAssertFalse(try loadSet([(file: "default.yaml", text: minimalDefault)]).defaultTemplate.dependsOnReceiverIdentity)
    }

    func testReceiverNamedInsideASectionIsPersonalToo() throws {
        // Inside a section, {{receiver.name}} climbs to the root: each receiver renders their own.
        let set = try loadSet([(
            file: "default.yaml",
            text: "name: default\ndefault: true\npush:\n  alert: \"{{#mentionAll}}@{{receiver.name}}: {{/mentionAll}}{{message.text}}\"\n"
        )])
        XCTAssertTrue(set.defaultTemplate.dependsOnReceiverIdentity)
        let plan = compose(set, makeHook(to: ["a", "b"], mentionAll: true))
        XCTAssertEqual(try alertsByReceiver(plan), ["a": "@a: hi", "b": "@b: hi"])
    }
}
