import PushCompose
import XCTest

/// Truncation by user-perceived characters: nothing is ever split inside a grapheme cluster.
final class GraphemeTruncationTests: XCTestCase {
    private let family = "👨‍👩‍👧"  // man ZWJ woman ZWJ girl
    private let japan = "🇯🇵"  // two regional indicators
    private let thumbsUpMedium = "👍🏽"  // thumbs up + Fitzpatrick type 4
    private let eAcute = "e\u{301}"  // e + combining acute accent
    private let han = "\u{1112}\u{1161}\u{11AB}"  // 한 as conjoining jamo
    private let geul = "\u{1100}\u{1173}\u{11AF}"  // 글 as conjoining jamo

    /// Asserts `result` is the first `kept` whole characters of `text` then `ellipsis`,
    /// compared scalar by scalar (String's == would accept canonically equivalent text).
    private func assertWholePrefix(
        _ result: String, of text: String, kept: Int, ellipsis: String = "…",
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let expected = Array(text).prefix(kept).flatMap { Array($0.unicodeScalars) } + Array(ellipsis.unicodeScalars)
        XCTAssertEqual(Array(result.unicodeScalars), expected, file: file, line: line)
    }

    func testTheFixturesAreMultiScalarCharacters() {
        XCTAssertEqual(family.count, 1)
        XCTAssertEqual(family.unicodeScalars.count, 5)
        XCTAssertEqual(japan.count, 1)
        XCTAssertEqual(japan.unicodeScalars.count, 2)
        XCTAssertEqual(thumbsUpMedium.count, 1)
        XCTAssertEqual(thumbsUpMedium.unicodeScalars.count, 2)
        XCTAssertEqual(eAcute.count, 1)
        XCTAssertEqual(eAcute.unicodeScalars.count, 2)
        XCTAssertEqual((han + geul).count, 2)
        XCTAssertEqual((han + geul).unicodeScalars.count, 6)
    }

    func testFamilyEmojiWithZeroWidthJoinersIsKeptWhole() {
        let text = String(repeating: family, count: 5)
        let cut = GraphemeTruncation.truncate(text, to: 2, ellipsis: "…")
        XCTAssertEqual(cut.count, 3)
        XCTAssertEqual(cut.unicodeScalars.count, 11)  // 2 × 5 scalars + the ellipsis
        XCTAssertEqual(cut.unicodeScalars.map(\.value).suffix(2), [0x1F467, 0x2026])  // ends with the girl, then …
        assertWholePrefix(cut, of: text, kept: 2)
    }

    func testFlagsAreKeptWhole() {
        let text = japan + "🇺🇸" + "🇫🇷"
        let cut = GraphemeTruncation.truncate(text, to: 1, ellipsis: "…")
        XCTAssertEqual(cut.unicodeScalars.map(\.value), [0x1F1EF, 0x1F1F5, 0x2026])
        assertWholePrefix(GraphemeTruncation.truncate(text, to: 2, ellipsis: "…"), of: text, kept: 2)
    }

    func testSkinToneModifierStaysWithItsEmoji() {
        let text = String(repeating: thumbsUpMedium, count: 3)
        let cut = GraphemeTruncation.truncate(text, to: 1, ellipsis: "…")
        XCTAssertEqual(cut.unicodeScalars.map(\.value), [0x1F44D, 0x1F3FD, 0x2026])
    }

    func testCombiningMarksStayWithTheirBase() {
        let text = String(repeating: eAcute, count: 4)
        let cut = GraphemeTruncation.truncate(text, to: 3, ellipsis: "…")
        XCTAssertEqual(cut.unicodeScalars.map(\.value), [0x65, 0x301, 0x65, 0x301, 0x65, 0x301, 0x2026])
    }

    func testHangulJamoSyllablesAreKeptWhole() {
        let text = han + geul + han
        let cut = GraphemeTruncation.truncate(text, to: 1, ellipsis: "…")
        XCTAssertEqual(cut.unicodeScalars.map(\.value), [0x1112, 0x1161, 0x11AB, 0x2026])
        assertWholePrefix(GraphemeTruncation.truncate(text, to: 2, ellipsis: "…"), of: text, kept: 2)
    }

    func testCJKIsCutByCharacter() {
        XCTAssertEqual(GraphemeTruncation.truncate("日本語のテキストです", to: 3, ellipsis: "…"), "日本語…")
        XCTAssertEqual(GraphemeTruncation.truncate("你好，世界", to: 2, ellipsis: "…"), "你好…")
    }

    func testEveryCutOfAMixedTextIsAWholeCharacterPrefix() {
        let text = "A" + family + japan + thumbsUpMedium + eAcute + han + "漢字" + geul + "🇰🇷" + family + "z"
        let characters = Array(text)
        XCTAssertEqual(characters.count, 12)
        for kept in 0..<characters.count {
            let cut = GraphemeTruncation.truncate(text, to: kept, ellipsis: "…")
            assertWholePrefix(cut, of: text, kept: kept)
            XCTAssertEqual(cut.count, kept + 1, "cut to \(kept)")
        }
        XCTAssertEqual(Array(GraphemeTruncation.truncate(text, to: characters.count, ellipsis: "…").unicodeScalars), Array(text.unicodeScalars))
    }

    func testTextAtOrUnderTheLimitIsUntouched() {
        let text = "hi " + thumbsUpMedium + " " + family
        XCTAssertEqual(text.count, 6)
        for limit in [6, 7, 40] {
            let result = GraphemeTruncation.truncate(text, to: limit, ellipsis: "…")
            XCTAssertEqual(Array(result.unicodeScalars), Array(text.unicodeScalars), "limit \(limit)")
        }
        XCTAssertEqual(GraphemeTruncation.truncate("", to: 3, ellipsis: "…"), "")
        // Exactly at the limit: no ellipsis even though the text has many scalars.
        let flags = String(repeating: japan, count: 3)
        XCTAssertEqual(GraphemeTruncation.truncate(flags, to: 3, ellipsis: "…"), flags)
    }

    func testTrailingWhiteSpaceBeforeTheEllipsisIsTrimmed() {
        XCTAssertEqual(GraphemeTruncation.truncate("Hello world", to: 6, ellipsis: "…"), "Hello…")
        XCTAssertEqual(GraphemeTruncation.truncate("Hi  \n there", to: 5, ellipsis: "…"), "Hi…")
    }

    func testEllipsisIsConfigurableAndDoesNotCountTowardTheLimit() {
        XCTAssertEqual(GraphemeTruncation.truncate("abcdef", to: 3, ellipsis: "..."), "abc...")
        XCTAssertEqual(GraphemeTruncation.truncate("abcdef", to: 3, ellipsis: ""), "abc")
        XCTAssertEqual(GraphemeTruncation.truncate("abcdef", to: 0, ellipsis: "…"), "…")
    }

    func testNegativeLimitLeavesTheTextAlone() {
        XCTAssertEqual(GraphemeTruncation.truncate("abcdef", to: -1, ellipsis: "…"), "abcdef")
    }
}
