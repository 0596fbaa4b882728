import Foundation
import PushCompose
import XCTest

/// Foundation's `JSONSerialization`, the second implementation the parser is checked against.
enum FoundationJSON {
    static func parse(_ bytes: [UInt8]) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    /// Whether Foundation read the same value: numbers as Double, strings scalar for scalar,
    /// objects by key (Foundation's dictionaries keep a repeated key's last value too).
    static func same(_ ours: JSONValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null:
            return theirs is NSNull
        case .bool(let b):
            guard let number = theirs as? NSNumber, isBoolean(number) else { return false }
            return number.boolValue == b
        case .number(let n):
            guard let number = theirs as? NSNumber, !isBoolean(number) else { return false }
            // Long numbers come back as NSDecimalNumber, whose doubleValue is not correctly
            // rounded; its decimal text is exact (to 38 digits), so read that.
            if let decimal = number as? NSDecimalNumber { return Double(decimal.description) == n }
            return number.doubleValue == n
        case .string(let s):
            guard let string = theirs as? String else { return false }
            return withoutBOM(s).elementsEqual(withoutBOM(string))
        case .array(let items):
            guard let array = theirs as? [Any], array.count == items.count else { return false }
            return zip(items, array).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let object = theirs as? [String: Any], object.count == members.count else { return false }
            var byKey: [String: Any] = [:]
            for (key, value) in object { byKey[String(String.UnicodeScalarView(withoutBOM(key)))] = value }
            return members.allSatisfy { member in
                byKey[String(String.UnicodeScalarView(withoutBOM(member.key)))].map { same(member.value, $0) } ?? false
            }
        }
    }

    /// Foundation on Linux drops U+FEFF (a zero-width no-break space) inside strings;
    /// this parser keeps it, as RFC 8259 and JavaScript do. Compare without it.
    private static func withoutBOM(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { $0 != "\u{FEFF}" }
    }

    /// `true` and `false` come back as NSNumbers of ObjC type `c` (char), numbers never do.
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}

/// The parser against the corpus, and against Foundation on the same corpus.
final class JSONParserDifferentialTests: XCTestCase {
    private typealias Case = JSONParserCorpus.Case

    /// This parser's choice for each `i_` case: accepted (true) or refused.
    static let implementationDefined: [String: Bool] = [
        // Numbers beyond Double: ±infinity or zero, as JavaScript reads them. Refusing them
        // would refuse a hook whose irrelevant field overflows; the fields that matter
        // (timestamp, _lctype) check their range where they are read.
        "i_number_double_huge_neg_exp": true, "i_number_huge_exp": true, "i_number_neg_int_huge_exp": true,
        "i_number_pos_double_huge_exp": true, "i_number_real_neg_overflow": true, "i_number_real_pos_overflow": true,
        "i_number_real_underflow": true, "i_number_too_big_neg_int": true, "i_number_too_big_pos_int": true,
        "i_number_very_big_negative_int": true, "i_number_just_past_max_double": true, "i_number_400_digit_int": true,
        // Lone surrogate escapes read as U+FFFD: a JavaScript client that cuts a string
        // inside an emoji sends them, and its message must still be read as what it is.
        "i_object_key_lone_2nd_surrogate": true, "i_string_1st_surrogate_but_2nd_missing": true,
        "i_string_1st_valid_surrogate_2nd_invalid": true, "i_string_incomplete_surrogate_and_escape_valid": true,
        "i_string_incomplete_surrogate_pair": true, "i_string_incomplete_surrogates_escape_valid": true,
        "i_string_invalid_lonely_surrogate": true, "i_string_invalid_surrogate": true,
        "i_string_inverted_surrogates_U+1D11E": true, "i_string_lone_second_surrogate": true, "i_string_cut_inside_emoji": true,
        // Canonically equivalent keys are one key, as every Swift lookup sees them.
        "i_object_canonically_equivalent_keys": true,
        // Raw bytes must be UTF-8: a hook body is UTF-8 by the protocol.
        "i_string_UTF-16LE_with_BOM": false, "i_string_UTF-8_invalid_sequence": false, "i_string_UTF8_surrogate_U+D800": false,
        "i_string_invalid_utf-8": false, "i_string_iso_latin_1": false, "i_string_lone_utf8_continuation_byte": false,
        "i_string_not_in_unicode_range": false, "i_string_overlong_sequence_2_bytes": false,
        "i_string_overlong_sequence_6_bytes": false, "i_string_overlong_sequence_6_bytes_null": false,
        "i_string_truncated-utf-8": false, "i_string_utf16BE_no_BOM": false, "i_string_utf16LE_no_BOM": false,
        "i_string_overlong_nul": false, "i_string_5_byte_sequence": false,
        // A byte order mark is refused (RFC 8259: senders must not add one).
        "i_structure_UTF-8_BOM_empty_object": false,
        // Nesting is limited to 256, so that the recursive descent never nears the stack's end.
        "i_structure_257_nested_arrays": false, "i_structure_500_nested_arrays": false,
    ]

    /// Cases where Foundation's `JSONSerialization` on Linux decides otherwise, and why
    /// this parser keeps its answer.
    static let foundationDiffers: [String: String] = [
        "n_array_extra_comma": "Foundation accepts a trailing comma; RFC 8259 and JavaScript do not",
        "n_array_number_and_comma": "Foundation accepts a trailing comma; RFC 8259 and JavaScript do not",
        "n_array_trailing_comma_after_whitespace": "Foundation accepts a trailing comma; RFC 8259 and JavaScript do not",
        "n_object_trailing_comma": "Foundation accepts a trailing comma; RFC 8259 and JavaScript do not",
        "i_number_huge_exp": "Foundation refuses numbers past Double's range; JavaScript reads ±Infinity",
        "i_number_neg_int_huge_exp": "Foundation refuses numbers past Double's range; JavaScript reads ±Infinity",
        "i_number_pos_double_huge_exp": "Foundation refuses numbers past Double's range; JavaScript reads ±Infinity",
        "i_number_real_neg_overflow": "Foundation refuses numbers past Double's range; JavaScript reads ±Infinity",
        "i_number_real_pos_overflow": "Foundation refuses numbers past Double's range; JavaScript reads ±Infinity",
        "i_number_just_past_max_double": "Foundation refuses numbers past Double's range; JavaScript reads ±Infinity",
        "i_number_400_digit_int": "Foundation refuses numbers past Double's range; JavaScript reads ±Infinity",
        "i_object_key_lone_2nd_surrogate": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_1st_surrogate_but_2nd_missing": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_1st_valid_surrogate_2nd_invalid": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_incomplete_surrogate_and_escape_valid": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_incomplete_surrogate_pair": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_incomplete_surrogates_escape_valid": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_invalid_lonely_surrogate": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_invalid_surrogate": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_inverted_surrogates_U+1D11E": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_lone_second_surrogate": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_cut_inside_emoji": "Foundation on Linux refuses lone surrogates; JavaScript keeps them, we show U+FFFD",
        "i_string_UTF-16LE_with_BOM": "Foundation guesses UTF-16 and UTF-32 from the first bytes; a hook body is UTF-8",
        "i_string_utf16BE_no_BOM": "Foundation guesses UTF-16 and UTF-32 from the first bytes; a hook body is UTF-8",
        "i_string_utf16LE_no_BOM": "Foundation guesses UTF-16 and UTF-32 from the first bytes; a hook body is UTF-8",
        "i_structure_UTF-8_BOM_empty_object": "Foundation skips a byte order mark; we refuse it",
        "i_structure_257_nested_arrays": "Foundation nests up to 512; we stop at 256",
        "i_structure_500_nested_arrays": "Foundation nests up to 512; we stop at 256",
    ]

    private func oursAccepts(_ name: String) -> Bool? {
        if name.hasPrefix("y_") { return true }
        if name.hasPrefix("n_") { return false }
        return Self.implementationDefined[name]
    }

    func testCorpusIsLargeNamedOnceAndEveryChoiceIsRecorded() {
        let names = JSONParserCorpus.cases.map(\.name)
        XCTAssertGreaterThan(names.count, 300)
        XCTAssertEqual(Set(names).count, names.count, "a case name is repeated")
        for name in names {
            XCTAssertNotNil(oursAccepts(name), "\(name): no recorded choice")
        }
        for name in Self.implementationDefined.keys {
            XCTAssertTrue(name.hasPrefix("i_") && names.contains(name), "\(name) is no i_ case of the corpus")
        }
    }

    func testParserAcceptsAndRefusesAsTheCorpusSays() {
        var checked = 0
        for testCase in JSONParserCorpus.cases {
            guard let expected = oursAccepts(testCase.name) else { continue }
            do {
                let value = try JSONParser.parse(testCase.bytes)
                XCTAssertTrue(expected, "\(testCase.name) accepted as \(value)")
            } catch {
                XCTAssertFalse(expected, "\(testCase.name) refused: \(error)")
                XCTAssertTrue((0...testCase.bytes.count).contains(error.offset), "\(testCase.name): offset \(error.offset)")
            }
            checked += 1
        }
        XCTAssertEqual(checked, JSONParserCorpus.cases.count)
    }

    /// Foundation accepts and refuses the same cases, but for the listed differences; where
    /// both accept, they read the same value.
    func testFoundationAgreesExceptWhereListed() {
        var agreed = 0
        for testCase in JSONParserCorpus.cases {
            let ours = try? JSONParser.parse(testCase.bytes)
            let theirs = FoundationJSON.parse(testCase.bytes)
            if let reason = Self.foundationDiffers[testCase.name] {
                XCTAssertNotEqual(ours != nil, theirs != nil, "\(testCase.name) is listed as a difference (\(reason)) but both decide alike")
                continue
            }
            XCTAssertEqual(ours != nil, theirs != nil, "\(testCase.name): ours \(ours.map { "\($0)" } ?? "refused"), Foundation's \(theirs.map { "\($0)" } ?? "refused")")
            if let ours, let theirs {
                XCTAssertTrue(FoundationJSON.same(ours, theirs), "\(testCase.name): ours \(ours), Foundation's \(theirs)")
                agreed += 1
            }
        }
        XCTAssertGreaterThan(agreed, 150)
    }

    /// What the listed differences read as here, pinned: JavaScript's reading where it has one.
    func testDifferencesReadAsJavaScriptReadsThem() throws {
        XCTAssertEqual(try JSONParser.parse(#"["\uD888\u1234"]"#), .array([.string("\u{FFFD}\u{1234}")]))
        XCTAssertEqual(try JSONParser.parse("[1.5e+9999]"), .array([.number(.infinity)]))
        XCTAssertEqual(try JSONParser.parse("[-123123e100000]"), .array([.number(-.infinity)]))
        XCTAssertEqual(try JSONParser.parse(#"{"\u00e9":1,"e\u0301":2}"#), .object([(key: "é", value: .number(2))]))
    }
}
