import PushCompose
@testable import Templates
import XCTest

/// Locale tags are as long as BCP 47 tags are in practice, and a long tag that arrives
/// anyway (from the registry, from a device) costs a bounded fallback chain.
final class LocaleTagLimitTests: XCTestCase {
    private let fortyThousandSubtags = Array(repeating: "ab", count: 40_000).joined(separator: "-")

    func testTagsInUseAreWellFormed() {
        for tag in ["en", "zh-Hans", "zh_Hant_TW", "sr-Latn-RS", "es-419", "de-DE-u-co-phonebk", "en-US-x-twain", "ZH-hant-tw"] {
            XCTAssertTrue(LocaleTag.isWellFormed(tag), tag)
        }
    }

    func testATagOfFortyThousandSubtagsIsRefused() {
        XCTAssertFalse(LocaleTag.isWellFormed(fortyThousandSubtags))
        XCTAssertFalse(LocaleTag.isWellFormed("zh-Hant-TW-" + fortyThousandSubtags))
    }

    func testLengthAndSubtagLimits() {
        let thirtyFive = "abcdefgh-abcdefgh-abcdefgh-abcdefgh"
        XCTAssertEqual(thirtyFive.count, 35)
        XCTAssertTrue(LocaleTag.isWellFormed(thirtyFive))
        XCTAssertFalse(LocaleTag.isWellFormed(thirtyFive + "a"), "36 characters")
        XCTAssertTrue(LocaleTag.isWellFormed("a-b-c-d-e-f-g-h"), "8 subtags")
        XCTAssertFalse(LocaleTag.isWellFormed("a-b-c-d-e-f-g-h-i"), "9 subtags")
        XCTAssertFalse(LocaleTag.isWellFormed("abcdefghi"), "a subtag of 9 characters")
        XCTAssertFalse(LocaleTag.isWellFormed("zh--Hans"))
        XCTAssertFalse(LocaleTag.isWellFormed(""))
        XCTAssertFalse(LocaleTag.isWellFormed("zh-Häns"))
    }

    func testTheFallbackChainOfALongTagIsBounded() {
        // Only what a well-formed tag could hold can match a template locale: 8 subtags.
        let expected = (0...5).reversed().map { "zh-hant-tw" + String(repeating: "-ab", count: $0) } + ["zh-hant", "zh"]
        XCTAssertEqual(LocaleChain.chain("zh-Hant-TW-" + fortyThousandSubtags), expected)
        XCTAssertEqual(LocaleChain.chain("zh_Hant_TW_" + fortyThousandSubtags), expected)
    }

    func testTheFallbackChainCutsOnlyAtSubtagBoundaries() {
        // 35 characters fit; the 36th would cut "abcdefgh" in half, so the chain starts before it.
        XCTAssertEqual(LocaleChain.chain("en-abcdefgh-abcdefgh-abcdefgh-abcdefgh"), [
            "en-abcdefgh-abcdefgh-abcdefgh", "en-abcdefgh-abcdefgh", "en-abcdefgh", "en",
        ])
        XCTAssertEqual(LocaleChain.chain(String(repeating: "x", count: 100_000)), [])
        XCTAssertEqual(LocaleChain.chain("zh-Hant-TW"), ["zh-hant-tw", "zh-hant", "zh"])
        XCTAssertEqual(LocaleChain.chain("zh-CN"), ["zh-cn", "zh-hans", "zh"])
    }

    func testAReceiverWithALongLocaleFallsBackToItsLanguage() throws {
        let text = """
            name: default
            default: true
            push:
              alert: "{{sender.name}}: {{message.text}}"
            locales:
              zh-Hant:
                push:
                  alert: "{{sender.name}}（繁）：{{message.text}}"
            """
        let set = try loadSet([(file: "default.yaml", text: text)])
        let registry = TestRegistry(clients: ["Jerry": ClientEntry(locale: "zh-Hant-TW-" + fortyThousandSubtags)])
        let plan = compose(set, makeHook(to: ["Jerry"]), registry: registry)
        XCTAssertEqual(try alertsByReceiver(plan), ["Jerry": "Tom（繁）：hi"])
        XCTAssertEqual(localesByReceiver(plan), ["Jerry": "zh-Hant"])
    }
}
