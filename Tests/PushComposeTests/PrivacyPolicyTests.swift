import PushCompose
import XCTest

/// `privacy: true`: the push says that a message arrived, never what it says.
final class PrivacyPolicyTests: XCTestCase {
    private let secretText = "The launch code is 0000"
    private let secretAttr = "swordfish"

    /// A template that puts every piece of the message it can reach into the payload.
    private func leakyTemplate(privacy: Bool) -> TestTemplate {
        TestTemplate(policy: PushPolicy(truncate: 100, privacy: privacy)) { input in
            let prefix = input.receiver.mention.isMentioned ? "\(input.sender.name) mentioned you: " : "\(input.sender.name): "
            return [
                (key: "alert", value: .string(prefix + input.text)),
                (key: "body", value: .string(input.fullText)),
                (key: "raw", value: .string(input.content.text)),
                (key: "attrs", value: .object(input.content.attrs)),
            ]
        }
    }

    private var content: String {
        JSONEncoding.string(
            .object([
                (key: "_lctype", value: .number(-1)), (key: "_lctext", value: .string(secretText)),
                (key: "_lcattrs", value: .object([(key: "note", value: .string(secretAttr))])),
            ]))
    }

    private func compose(privacy: Bool, _ hook: ReceiversOfflineHook) -> HookPlan {
        Composer(templates: TestSelector(leakyTemplate(privacy: privacy))).compose(hook)
    }

    func testWithoutPrivacyTheTemplateDoesShowTheText() throws {
        // The control: the same template leaks when privacy is off, so the next test means something.
        let payload = try XCTUnwrap(compose(privacy: false, makeHook(content: content)).answer.pushMessage)
        XCTAssertTrue(payload.contains(secretText))
        XCTAssertTrue(payload.contains(secretAttr))
    }

    func testPrivacyNeverPutsTheTextOrAttributesInThePayload() throws {
        let plan = compose(privacy: true, makeHook(content: content))
        let payload = try XCTUnwrap(plan.answer.pushMessage)
        XCTAssertFalse(payload.contains("launch"), payload)
        XCTAssertFalse(payload.contains(secretAttr), payload)
        XCTAssertFalse(JSONEncoding.string(plan.answer.json).contains("launch"))
        let object = try decodeObject(payload)
        XCTAssertEqual(object["alert"] as? String, "Tom: sent you a message")
        XCTAssertEqual(object["body"] as? String, "sent you a message")
        XCTAssertEqual(object["raw"] as? String, "sent you a message")
        XCTAssertEqual((object["attrs"] as? [String: Any])?.count, 0)
    }

    func testPrivacyAppliesToMentionsAndPlainContent() throws {
        let mentioned = compose(privacy: true, makeHook(to: ["a"], content: content, mentioned: ["a"]))
        XCTAssertEqual(try alert(of: mentioned.answer.pushMessage), "Tom mentioned you: sent you a message")
        let plain = compose(privacy: true, makeHook(content: secretText))
        XCTAssertEqual(try alert(of: plain.answer.pushMessage), "Tom: sent you a message")
    }

    func testPrivacyUsesThePrivatePlaceholderForEveryKind() throws {
        let image = compose(privacy: true, makeHook(content: #"{"_lctype":-2,"_lctext":"my passport"}"#))
        XCTAssertEqual(try alert(of: image.answer.pushMessage), "Tom: sent you a message")
        XCTAssertFalse(try XCTUnwrap(image.answer.pushMessage).contains("passport"))
    }
}
