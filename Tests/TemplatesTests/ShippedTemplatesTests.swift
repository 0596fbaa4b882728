import Foundation
import PushCompose
import Templates
import XCTest

/// The templates in `templates/`, usable as they are.
final class ShippedTemplatesTests: XCTestCase {
    /// `<package root>/templates`, from this file's path (Tests/TemplatesTests/…).
    static let templatesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TemplatesTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("templates")

    private static let seedContent = #"{"_lctext":"Holy crap!","_lctype":-1}"#
    private static let family = "👨‍👩‍👧"

    private var set: TemplateSet!

    override func setUpWithError() throws {
        do {
            set = try TemplateSet.load(directory: Self.templatesDirectory)
        } catch {
            XCTFail("the shipped templates do not load:\n\(error.description)")
            throw error
        }
    }

    private func seedHook(
        conversation: String = "5789a33a1b8694ad267d8040", to receivers: [String] = ["Jerry"],
        content: String = seedContent, mentioned: [String] = [], mentionAll: Bool = false
    ) -> ReceiversOfflineHook {
        ReceiversOfflineHook(
            fromPeer: "Tom", convId: conversation, offlinePeers: receivers, content: content, timestamp: 1_472_200_796_764,
            mentionAll: mentionAll, mentionOfflinePeers: mentioned)
    }

    func testTheShippedSetLoadsWithoutProblems() {
        XCTAssertEqual(set.templates.map(\.name), ["confidential", "private", "support", "default"])
        XCTAssertEqual(set.templates.map(\.priority), [30, 20, 10, 0])
        XCTAssertEqual(set.defaultTemplate.name, "default")
        XCTAssertEqual(
            set.defaultTemplate.policy,
            PushPolicy(truncate: 40, ellipsis: "…", badge: .increment, forceOnMute: .mentions, privacy: false, mentionOnlyAbove: 500, builtin: true))
    }

    func testSeedExample() throws {
        let plan = compose(set, seedHook())
        XCTAssertEqual(plan.template, "default")
        XCTAssertEqual(plan.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Tom: Holy crap!","sound":"default","badge":"Increment"}"#))
        XCTAssertEqual(
            JSONEncoding.string(plan.answer.json),
            #"{"pushMessage":"{\"alert\":\"Tom: Holy crap!\",\"sound\":\"default\",\"badge\":\"Increment\"}"}"#)
        let payload = try decodeObject(XCTUnwrap(plan.answer.pushMessage))
        XCTAssertEqual(payload["alert"] as? String, "Tom: Holy crap!")
        XCTAssertEqual(payload["badge"] as? String, "Increment")
    }

    func testFiftyFamilyEmojiAreCutToFortyCharactersAndAnEllipsis() throws {
        let text = String(repeating: Self.family, count: 50)
        let alert = try alert(of: compose(set, seedHook(content: textContent(text))).answer.pushMessage)
        let expected = "Tom: " + String(repeating: Self.family, count: 40) + "…"
        XCTAssertEqual(Array(alert.unicodeScalars), Array(expected.unicodeScalars))
        XCTAssertEqual(alert.count, 5 + 40 + 1)
    }

    func testChineseReceiverGetsTheChineseText() throws {
        let registry = TestRegistry(clients: [
            "Jerry": ClientEntry(locale: "zh-Hans"), "Lee": ClientEntry(locale: "zh-Hans-CN"), "Ann": ClientEntry(locale: "en-US"),
        ])
        let plan = compose(set, seedHook(to: ["Jerry", "Lee", "Ann"]), registry: registry)
        XCTAssertEqual(try alertsByReceiver(plan), ["Jerry": "Tom：Holy crap!", "Lee": "Tom：Holy crap!", "Ann": "Tom: Holy crap!"])
        XCTAssertEqual(localesByReceiver(plan), ["Jerry": "zh-Hans", "Lee": "zh-Hans", "Ann": nil])

        let image = compose(set, seedHook(content: #"{"_lctype":-2}"#), registry: registry)
        XCTAssertEqual(try alert(of: image.answer.pushMessage), "Tom：[图片]")
        let mention = compose(set, seedHook(mentioned: ["Jerry"]), registry: registry)
        XCTAssertEqual(mention.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Tom 提到了你：Holy crap!","sound":"default","badge":"Increment"}"#, force: true))
    }

    func testChineseDeviceLocalesFindTheirScript() throws {
        // Devices report zh-CN or zh_TW; the templates are written per script.
        let registry = TestRegistry(clients: [
            "cn": ClientEntry(locale: "zh_CN"), "bare": ClientEntry(locale: "zh"), "tw": ClientEntry(locale: "zh-TW"),
            "hk": ClientEntry(locale: "zh-HK"), "hant": ClientEntry(locale: "zh-Hant-TW"),
        ])
        let plan = compose(set, seedHook(to: ["cn", "bare", "tw", "hk", "hant"], content: #"{"_lctype":-2}"#), registry: registry)
        XCTAssertEqual(
            try alertsByReceiver(plan),
            ["cn": "Tom：[图片]", "bare": "Tom：[图片]", "tw": "Tom：[圖片]", "hk": "Tom：[圖片]", "hant": "Tom：[圖片]"])
        XCTAssertEqual(localesByReceiver(plan), ["cn": "zh-Hans", "bare": "zh-Hans", "tw": "zh-Hant", "hk": "zh-Hant", "hant": "zh-Hant"])
    }

    func testDirectoryNames() throws {
        let registry = TestRegistry(clients: ["Tom": ClientEntry(name: "Tom Cat")])
        XCTAssertEqual(try alert(of: compose(set, seedHook(), registry: registry).answer.pushMessage), "Tom Cat: Holy crap!")
    }

    func testEveryKindShowsAPlaceholder() throws {
        let cases: [(String, String)] = [
            (#"{"_lctype":-2}"#, "Tom: [Image]"), (#"{"_lctype":-3}"#, "Tom: [Voice message]"), (#"{"_lctype":-4}"#, "Tom: [Video]"),
            (#"{"_lctype":-5}"#, "Tom: [Location]"), (#"{"_lctype":-6}"#, "Tom: [File]"),
            (#"{"_lctype":-127}"#, "Tom: recalled a message"), (#"{"_lctype":3,"_lctext":"x"}"#, "Tom: [Message]"),
        ]
        for (content, expected) in cases {
            XCTAssertEqual(try alert(of: compose(set, seedHook(content: content)).answer.pushMessage), expected, content)
        }
    }

    func testMentions() throws {
        let one = compose(set, seedHook(mentioned: ["Jerry"]))
        XCTAssertEqual(one.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Tom mentioned you: Holy crap!","sound":"default","badge":"Increment"}"#, force: true))
        let all = compose(set, seedHook(to: ["Jerry", "Spike"], mentionAll: true))
        XCTAssertEqual(all.answer, ReceiversOfflineAnswer(pushMessage: #"{"alert":"Tom @all: Holy crap!","sound":"default","badge":"Increment"}"#, force: true))
    }

    func testLargeConversationsPushOnlyMentionedReceivers() throws {
        let crowd = (0..<501).map { "user\($0)" }
        XCTAssertEqual(compose(set, seedHook(to: crowd)).answer, ReceiversOfflineAnswer(skip: true))
        let mentioned = compose(set, seedHook(to: crowd, mentioned: ["user7"]))
        XCTAssertEqual(mentioned.answer.offlinePeers, ["user7"])
        XCTAssertEqual(mentioned.answer.force, true)
        XCTAssertEqual(try alert(of: mentioned.answer.pushMessage), "Tom mentioned you: Holy crap!")
        // 500 is not above the threshold.
        XCTAssertEqual(compose(set, seedHook(to: Array(crowd.prefix(500)))).answer.offlinePeers, nil)
    }

    func testSupportConversationsUseTheSupportTemplate() throws {
        let plan = compose(set, seedHook(conversation: "support-42"))
        XCTAssertEqual(plan.template, "support")
        XCTAssertEqual(plan.answer.pushMessage, #"{"alert":"[Support] support-42 — Tom: Holy crap!","sound":"default","badge":"Increment"}"#)

        let registry = TestRegistry(
            clients: ["Jerry": ClientEntry(locale: "zh-Hans")], conversations: ["support-42": ConversationEntry(name: "Billing")])
        let chinese = compose(set, seedHook(conversation: "support-42", to: ["Jerry", "Ann"]), registry: registry)
        XCTAssertEqual(try alertsByReceiver(chinese), ["Jerry": "[客服] Billing — Tom：Holy crap!", "Ann": "[Support] Billing — Tom: Holy crap!"])
        let mention = compose(set, seedHook(conversation: "support-1", mentioned: ["Jerry"]))
        XCTAssertEqual(try alert(of: mention.answer.pushMessage), "[Support] Tom needs you: Holy crap!")
        // The default template's placeholders are inherited.
        XCTAssertEqual(try alert(of: compose(set, seedHook(conversation: "support-1", content: #"{"_lctype":-2}"#)).answer.pushMessage), "[Support] support-1 — Tom: [Image]")
        XCTAssertEqual(compose(set, seedHook(conversation: "supporter")).template, "default")
    }

    func testSecureConversationsNeverShowTheText() throws {
        let secret = textContent("The vault code is 1234", attrs: ["hint": "under the mat"])
        let registry = TestRegistry(clients: ["Jerry": ClientEntry(locale: "zh-Hans")])
        let plan = compose(set, seedHook(conversation: "secure-1", to: ["Jerry", "Ann"], content: secret, mentioned: ["Ann"]), registry: registry)
        XCTAssertEqual(plan.template, "private")
        for group in plan.groups {
            XCTAssertFalse(group.payload.contains("vault"), group.payload)
            XCTAssertFalse(group.payload.contains("1234"), group.payload)
            XCTAssertFalse(group.payload.contains("under the mat"), group.payload)
        }
        XCTAssertEqual(try alertsByReceiver(plan), ["Jerry": "Tom：发来一条消息", "Ann": "Tom mentioned you: sent you a message"])
        // force: never, even for the mentioned receiver.
        XCTAssertNil(plan.answer.force)
        XCTAssertEqual(plan.groups.map(\.force), [false, false])
        XCTAssertEqual(try alert(of: compose(set, seedHook(conversation: "secure-1", content: #"{"_lctype":-2}"#)).answer.pushMessage), "Tom: sent you a message")
    }

    func testConfidentialMessagesNeverShowTheText() throws {
        let content = textContent("salary: 1M", attrs: ["confidential": true])
        let plan = compose(set, seedHook(content: content))
        XCTAssertEqual(plan.template, "confidential")
        XCTAssertEqual(plan.answer.pushMessage, #"{"alert":"Tom: sent you a message","sound":"default","badge":"Increment"}"#)
        XCTAssertEqual(compose(set, seedHook(content: textContent("salary: 1M", attrs: ["confidential": false]))).template, "default")
    }
}
