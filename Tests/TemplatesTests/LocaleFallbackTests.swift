import PushCompose
import Templates
import XCTest

/// Per-locale payloads and placeholders: `zh-Hant-TW` → `zh-Hant` → `zh` → the default language.
final class LocaleFallbackTests: XCTestCase {
    private static let text = """
        name: default
        default: true
        policy:
          truncate: 100
        placeholders:
          image: "[Image]"
          audio: "[Audio]"
          video: "[Video]"
        push:
          alert: "{{sender.name}}: {{message.text}}"
          sound: default
        mention:
          alert: "{{sender.name}} mentioned you: {{message.text}}"
        locales:
          zh:
            placeholders:
              image: "[图片]"
              audio: "[语音]"
            push:
              alert: "{{sender.name}}：{{message.text}}"
            mention:
              alert: "{{sender.name}} 提到了你：{{message.text}}"
          zh-Hant:
            placeholders:
              image: "[圖片]"
            push:
              alert: "{{sender.name}}（繁）：{{message.text}}"
        """

    private var set: TemplateSet!

    private let registry = TestRegistry(clients: [
        "tw": ClientEntry(name: "TW", locale: "zh-Hant-TW"),
        "hk": ClientEntry(name: "HK", locale: "zh-Hant-HK"),
        "hant": ClientEntry(locale: "zh-Hant"),
        "shouty": ClientEntry(locale: "ZH-HANT-tw"),
        "cn": ClientEntry(locale: "zh_CN"),
        "hans": ClientEntry(locale: "zh-Hans"),
        "fr": ClientEntry(locale: "fr-FR"),
        "nolocale": ClientEntry(name: "No Locale"),
    ])
    private let everyone = ["tw", "hk", "hant", "shouty", "cn", "hans", "fr", "nolocale", "unknown"]

    override func setUpWithError() throws {
        set = try loadSet([(file: "default.yaml", text: Self.text)])
    }

    private func plan(content: String = textContent("hi"), mentioned: [String] = []) -> HookPlan {
        compose(set, makeHook(to: everyone, content: content, mentioned: mentioned), registry: registry)
    }

    func testResolvedLocaleFollowsTheChain() {
        let template = set.defaultTemplate
        XCTAssertEqual(template.resolvedLocale(for: "zh-Hant-TW"), "zh-Hant")
        XCTAssertEqual(template.resolvedLocale(for: "zh-Hant"), "zh-Hant")
        XCTAssertEqual(template.resolvedLocale(for: "ZH_hant_tw"), "zh-Hant")
        XCTAssertEqual(template.resolvedLocale(for: "zh_CN"), "zh")
        XCTAssertEqual(template.resolvedLocale(for: "zh-Hans-CN"), "zh")
        XCTAssertEqual(template.resolvedLocale(for: "zh"), "zh")
        XCTAssertNil(template.resolvedLocale(for: "fr-FR"))
        XCTAssertNil(template.resolvedLocale(for: "en"))
        XCTAssertNil(template.resolvedLocale(for: "z"))
    }

    func testPayloadsFollowTheChain() throws {
        let alerts = try alertsByReceiver(plan())
        XCTAssertEqual(alerts, [
            "tw": "Tom（繁）：hi", "hk": "Tom（繁）：hi", "hant": "Tom（繁）：hi", "shouty": "Tom（繁）：hi",
            "cn": "Tom：hi", "hans": "Tom：hi",
            "fr": "Tom: hi", "nolocale": "Tom: hi", "unknown": "Tom: hi",
        ])
    }

    func testGroupsReportTheLocaleActuallyUsed() {
        let locales = localesByReceiver(plan())
        XCTAssertEqual(locales, [
            "tw": "zh-Hant", "hk": "zh-Hant", "hant": "zh-Hant", "shouty": "zh-Hant", "cn": "zh", "hans": "zh",
            "fr": nil, "nolocale": nil, "unknown": nil,
        ])
    }

    func testReceiversWithoutALocaleGetTheConfiguredDefault() throws {
        let options = Composer.Options(defaultLocale: "zh-Hant-TW")
        let plan = compose(set, makeHook(to: ["nolocale", "fr"]), registry: registry, options: options)
        XCTAssertEqual(try alertsByReceiver(plan), ["nolocale": "Tom（繁）：hi", "fr": "Tom: hi"])
    }

    func testPlaceholdersFollowTheSameChain() throws {
        let image = try alertsByReceiver(plan(content: #"{"_lctype":-2}"#))
        XCTAssertEqual(image["tw"], "Tom（繁）：[圖片]")
        XCTAssertEqual(image["cn"], "Tom：[图片]")
        XCTAssertEqual(image["fr"], "Tom: [Image]")

        // zh-Hant names no audio placeholder: zh's.
        let audio = try alertsByReceiver(plan(content: #"{"_lctype":-3}"#))
        XCTAssertEqual(audio["tw"], "Tom（繁）：[语音]")
        XCTAssertEqual(audio["cn"], "Tom：[语音]")
        XCTAssertEqual(audio["fr"], "Tom: [Audio]")

        // Only the default language names video; nobody names file: the built-in text.
        let video = try alertsByReceiver(plan(content: #"{"_lctype":-4}"#))
        XCTAssertEqual(video["tw"], "Tom（繁）：[Video]")
        let file = try alertsByReceiver(plan(content: #"{"_lctype":-6}"#))
        XCTAssertEqual(file["tw"], "Tom（繁）：[File]")
    }

    func testPlaceholderLookupDirectly() {
        let template = set.defaultTemplate
        XCTAssertEqual(template.placeholder(for: .image, locale: "zh-Hant-TW"), "[圖片]")
        XCTAssertEqual(template.placeholder(for: .audio, locale: "zh-Hant-TW"), "[语音]")
        XCTAssertEqual(template.placeholder(for: .audio, locale: "zh_CN"), "[语音]")
        XCTAssertEqual(template.placeholder(for: .audio, locale: "de"), "[Audio]")
        XCTAssertEqual(template.placeholder(for: nil, locale: "de"), "[New message]")
    }

    func testMentionOverridesLayerOverTheLocaleChain() throws {
        // zh-Hant has no mention block: its receivers get zh's mention text.
        let alerts = try alertsByReceiver(plan(mentioned: ["tw", "cn", "fr"]))
        XCTAssertEqual(alerts["tw"], "Tom 提到了你：hi")
        XCTAssertEqual(alerts["cn"], "Tom 提到了你：hi")
        XCTAssertEqual(alerts["fr"], "Tom mentioned you: hi")
        XCTAssertEqual(alerts["hk"], "Tom（繁）：hi")
    }

    func testLocalePlaceholdersWithoutALocalePayloadStillApply() throws {
        // Japanese has a placeholder but no payload of its own, so ja and en receivers
        // share the default language's payload, yet not its placeholder.
        let text = """
            name: default
            default: true
            push:
              alert: "{{sender.name}}: {{message.text}}"
            placeholders:
              image: "[Image]"
              private: "sent a message"
            locales:
              ja:
                placeholders:
                  image: "[画像]"
                  private: "メッセージが届きました"
            """
        let set = try loadSet([(file: "default.yaml", text: text)])
        let registry = TestRegistry(clients: ["en": ClientEntry(locale: "en"), "ja": ClientEntry(locale: "ja-JP")])
        let plan = compose(set, makeHook(to: ["en", "ja"], content: #"{"_lctype":-2}"#), registry: registry)
        XCTAssertEqual(try alertsByReceiver(plan), ["en": "Tom: [Image]", "ja": "Tom: [画像]"])
        let reversed = compose(set, makeHook(to: ["ja", "en"], content: #"{"_lctype":-2}"#), registry: registry)
        XCTAssertEqual(try alertsByReceiver(reversed), ["en": "Tom: [Image]", "ja": "Tom: [画像]"])
    }
}
