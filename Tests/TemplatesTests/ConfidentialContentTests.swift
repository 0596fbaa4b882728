import PushCompose
import Templates
import XCTest

/// A template that hides text by attribute (the shipped `confidential.yaml`) fails closed:
/// content that looks like a JSON object shows neither its JSON nor its text unless its
/// attributes could be read.
final class ConfidentialContentTests: XCTestCase {
    private var set: TemplateSet!

    override func setUpWithError() throws {
        set = try TemplateSet.load(directory: ShippedTemplatesTests.templatesDirectory)
    }

    private func plan(_ content: String) -> HookPlan {
        compose(set, makeHook(to: ["Jerry", "Spike"], content: content))
    }

    /// No payload of the plan (the answer's, nor any receiver's own) holds `secret`.
    private func assertHidden(_ secret: String, in plan: HookPlan, file: StaticString = #filePath, line: UInt = #line) {
        for payload in [plan.answer.pushMessage].compactMap({ $0 }) + plan.groups.map(\.payload) {
            XCTAssertFalse(payload.contains(secret), payload, file: file, line: line)
        }
    }

    func testConfidentialAttributeHidesTheText() throws {
        let plan = plan(#"{"_lctext":"PIN 4321","_lctype":-1,"_lcattrs":{"confidential":"true"}}"#)
        XCTAssertEqual(plan.template, "confidential")
        XCTAssertEqual(try alert(of: plan.answer.pushMessage), "Tom: sent you a message")
    }

    func testTextCutInsideAnEmojiStillHidesTheText() throws {
        // What a JavaScript client sends when it cuts a string inside an emoji: a lone surrogate.
        let plan = plan(#"{"_lctext":"PIN 4321 \ud83d","_lctype":-1,"_lcattrs":{"confidential":"true"}}"#)
        XCTAssertEqual(plan.template, "confidential")
        XCTAssertEqual(try alert(of: plan.answer.pushMessage), "Tom: sent you a message")
        assertHidden("4321", in: plan)
        assertHidden("_lc", in: plan)
    }

    func testCutContentShowsNeitherItsJSONNorItsText() throws {
        let plan = plan(#"{"_lctext":"PIN 4321","_lctype":-1,"_lcattrs":{"confidential":"tr"#)
        assertHidden("4321", in: plan)
        assertHidden("_lc", in: plan)
        XCTAssertEqual(try alert(of: plan.answer.pushMessage), "Tom: [Message]")
    }

    func testContentNestedPastTheParsersLimitShowsNeitherItsJSONNorItsText() throws {
        let depth = JSONParser.maxDepth + 1
        let content = #"{"_lctext":"PIN 4321","_lctype":-1,"_lcattrs":{"confidential":"true"},"x":"#
            + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        let plan = plan(content)
        assertHidden("4321", in: plan)
        XCTAssertEqual(try alert(of: plan.answer.pushMessage), "Tom: [Message]")
    }
}
