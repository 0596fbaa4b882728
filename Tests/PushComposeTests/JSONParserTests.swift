import PushCompose
import XCTest

/// The parser's edge cases, each with the value it gives or the error (reason and byte
/// offset) it refuses with.
final class JSONParserTests: XCTestCase {
    private typealias Reason = JSONParser.Error.Reason

    private func parse(_ bytes: [UInt8]) throws(JSONParser.Error) -> JSONValue { try JSONParser.parse(bytes) }
    private func parse(_ text: String) throws(JSONParser.Error) -> JSONValue { try JSONParser.parse(text) }

    private func assertRefused(
        _ bytes: [UInt8], _ reason: Reason, at offset: Int, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let value = try parse(bytes)
            XCTFail("accepted \(bytes) as \(value)", file: file, line: line)
        } catch {
            XCTAssertEqual(error, JSONParser.Error(offset: offset, reason: reason), "\(String(decoding: bytes, as: UTF8.self))", file: file, line: line)
        }
    }

    private func assertRefused(_ text: String, _ reason: Reason, at offset: Int, file: StaticString = #filePath, line: UInt = #line) {
        assertRefused(Array(text.utf8), reason, at: offset, file: file, line: line)
    }

    /// The scalars of the one string in `[…]`, so that U+FFFD and its neighbours are told apart exactly.
    private func scalars(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt32] {
        let value = try parse(text)
        guard case .array(let items) = value, items.count == 1, case .string(let string) = items[0] else {
            XCTFail("not one string: \(value)", file: file, line: line)
            return []
        }
        return string.unicodeScalars.map(\.value)
    }

    private func nested(_ depth: Int, open: String = "[", close: String = "]") -> String {
        String(repeating: open, count: depth) + String(repeating: close, count: depth)
    }

    // MARK: Depth

    func testNestingUpToTheLimitIsAccepted() throws {
        XCTAssertEqual(JSONParser.maxDepth, 256)
        var value = try parse(nested(256))
        var depth = 0
        while case .array(let items) = value {
            depth += 1
            value = items.first ?? .null
        }
        XCTAssertEqual(depth, 256)
        XCTAssertNoThrow(try parse(String(repeating: #"{"a":"#, count: 256) + "1" + String(repeating: "}", count: 256)))
        XCTAssertNoThrow(try parse(String(repeating: #"[{"a":"#, count: 128) + "1" + String(repeating: "}]", count: 128)))
    }

    func testNestingOnePastTheLimitIsRefusedAtTheBracketTooMany() {
        assertRefused(nested(257), .tooDeep(limit: 256), at: 256)
        assertRefused(String(repeating: #"{"a":"#, count: 257) + "1" + String(repeating: "}", count: 257), .tooDeep(limit: 256), at: 256 * 5)
        assertRefused(String(repeating: #"[{"a":"#, count: 129) + "1", .tooDeep(limit: 256), at: 128 * 6)
        // Far deeper input stops at the same place: the stack never grows past the limit.
        assertRefused(nested(100_000), .tooDeep(limit: 256), at: 256)
    }

    /// Hooks are parsed on the cooperative pool, whose threads have smaller stacks than the main one.
    func testNestingAtTheLimitParsesOnTheCooperativePool() async throws {
        let text = String(repeating: #"[{"a":"#, count: 128) + "1" + String(repeating: "}]", count: 128)
        let parsed = try await Task.detached { try JSONParser.parse(text) }.value
        XCTAssertEqual(JSONEncoding.string(parsed), text)
    }

    // MARK: Numbers

    func testNumbers() throws {
        let cases: [(text: String, value: Double)] = [
            ("0", 0), ("-0", 0), ("1", 1), ("-1", -1), ("10", 10), ("1.5", 1.5), ("-0.25", -0.25), ("0.1", 0.1),
            ("1e2", 100), ("1E2", 100), ("1e+2", 100), ("1E-2", 0.01), ("0e0", 0), ("0.0e-0", 0), ("2.5E+3", 2500),
            // Integers of up to 15 digits take a fast path; past it Double reads the text.
            ("999999999999999", 999_999_999_999_999), ("-999999999999999", -999_999_999_999_999),
            ("1000000000000000", 1e15), ("9007199254740993", 9_007_199_254_740_992),
            ("1472200796764", 1_472_200_796_764), ("123456789012345678901234567890", 1.2345678901234568e29),
            ("1.7976931348623157e308", .greatestFiniteMagnitude), ("4.9e-324", .leastNonzeroMagnitude),
            ("0.000000000000000000000000000001", 1e-30), ("1" + String(repeating: "0", count: 400) + "e-400", 1),
            // Beyond Double's range: ±infinity, as JavaScript; below it, zero.
            ("1e400", .infinity), ("-1e400", -.infinity), ("1.7976931348623159e308", .infinity),
            ("1e-400", 0), ("-1e-400", 0), ("123e-10000000", 0),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try parse(text), .number(expected), text)
            XCTAssertEqual(try parse("[\(text)]"), .array([.number(expected)]), text)
        }
    }

    func testNegativeZeroKeepsItsSign() throws {
        for text in ["-0", "-0.0", "-0e5", "-1e-400"] {
            guard case .number(let n) = try parse(text) else { return XCTFail(text) }
            XCTAssertEqual(n.sign, .minus, text)
        }
    }

    func testNumbersAgainstTheGrammarAreRefused() {
        assertRefused("01", .invalidNumber("leading zero"), at: 0)
        assertRefused("-01", .invalidNumber("leading zero"), at: 1)
        assertRefused("[00]", .invalidNumber("leading zero"), at: 1)
        assertRefused("1.", .invalidNumber("no digit after '.'"), at: 2)
        assertRefused("[1.]", .invalidNumber("no digit after '.'"), at: 3)
        assertRefused("1.e3", .invalidNumber("no digit after '.'"), at: 2)
        assertRefused("-", .invalidNumber("no digit after '-'"), at: 1)
        assertRefused("-x", .invalidNumber("no digit after '-'"), at: 1)
        assertRefused("--1", .invalidNumber("no digit after '-'"), at: 1)
        assertRefused("-.5", .invalidNumber("no digit after '-'"), at: 1)
        assertRefused("-Infinity", .invalidNumber("no digit after '-'"), at: 1)
        assertRefused("1e", .invalidNumber("no digit in the exponent"), at: 2)
        assertRefused("1e+", .invalidNumber("no digit in the exponent"), at: 3)
        assertRefused("1E-x", .invalidNumber("no digit in the exponent"), at: 3)
        assertRefused("1e+-1", .invalidNumber("no digit in the exponent"), at: 3)
        assertRefused(".5", .unexpectedByte(UInt8(ascii: "."), expected: "a value"), at: 0)
        assertRefused("+1", .unexpectedByte(UInt8(ascii: "+"), expected: "a value"), at: 0)
        assertRefused("NaN", .unexpectedByte(UInt8(ascii: "N"), expected: "a value"), at: 0)
        assertRefused("Infinity", .unexpectedByte(UInt8(ascii: "I"), expected: "a value"), at: 0)
        assertRefused("0x10", .unexpectedByte(UInt8(ascii: "x"), expected: "the end of the input"), at: 1)
        assertRefused("1.5.2", .unexpectedByte(UInt8(ascii: "."), expected: "the end of the input"), at: 3)
        assertRefused("[1 000]", .unexpectedByte(UInt8(ascii: "0"), expected: "',' or ']'"), at: 3)
        assertRefused("１", .unexpectedByte(0xEF, expected: "a value"), at: 0)
    }

    // MARK: Strings and escapes

    func testEveryEscape() throws {
        XCTAssertEqual(try parse(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{08}\u{0C}\n\r\t"))
        XCTAssertEqual(try parse(#""\u0041\u00e9\u00E9\u20AC\u0000\u001f\uFFFF\u2028""#), .string("Aéé€\u{0}\u{1F}\u{FFFF}\u{2028}"))
        XCTAssertEqual(try parse(#""a\nb""#), .string("a\nb"))
        XCTAssertEqual(try parse(#""\\u0041""#), .string("\\u0041"))
        // Text before and after escapes, multi-byte included, is kept as it is.
        XCTAssertEqual(try parse(#""日本\t語 😀\"x""#), .string("日本\t語 😀\"x"))
    }

    func testInvalidEscapesAreRefused() {
        for byte in [UInt8(ascii: "x"), UInt8(ascii: "U"), UInt8(ascii: "'"), UInt8(ascii: "a"), UInt8(ascii: "0"), 0x09] {
            assertRefused([0x22, 0x5C, byte, 0x22], .invalidEscape(byte), at: 2)
        }
        assertRefused(#""ab\u12""#, .invalidUnicodeEscape, at: 3)
        assertRefused(#""\u12G4""#, .invalidUnicodeEscape, at: 1)
        assertRefused(#""\u""#, .invalidUnicodeEscape, at: 1)
        assertRefused(#""\"#, .unexpectedEnd(expected: "an escaped character"), at: 2)
        assertRefused(#""\""#, .unexpectedEnd(expected: "'\"' to end the string"), at: 3)
    }

    func testSurrogatePairsAreOneScalar() throws {
        XCTAssertEqual(try scalars(#"["\ud83d\ude00"]"#), [0x1F600])
        XCTAssertEqual(try scalars(#"["\uD834\uDd1e"]"#), [0x1D11E])
        XCTAssertEqual(try scalars(#"["\uD800\uDC00"]"#), [0x10000])
        XCTAssertEqual(try scalars(#"["\uDBFF\uDFFF"]"#), [0x10FFFF])
        XCTAssertEqual(try scalars(#"["a\ud83d\ude00b"]"#), [0x61, 0x1F600, 0x62])
    }

    func testLoneSurrogatesAreReplacementCharacters() throws {
        XCTAssertEqual(try scalars(#"["\ud83d"]"#), [0xFFFD], "lone high at the end")
        XCTAssertEqual(try scalars(#"["PIN \ud83d!"]"#), [0x50, 0x49, 0x4E, 0x20, 0xFFFD, 0x21], "lone high before text")
        XCTAssertEqual(try scalars(#"["\udc00"]"#), [0xFFFD], "lone low")
        XCTAssertEqual(try scalars(#"["\uDFFFx"]"#), [0xFFFD, 0x78], "lone low before text")
        XCTAssertEqual(try scalars(#"["\ud83d\u0041"]"#), [0xFFFD, 0x41], "high before a non-surrogate escape")
        XCTAssertEqual(try scalars(#"["\ud83d\n"]"#), [0xFFFD, 0x0A], "high before another escape")
        XCTAssertEqual(try scalars(#"["\ud83d\ud83d\ude00"]"#), [0xFFFD, 0x1F600], "high, then a pair")
        XCTAssertEqual(try scalars(#"["\ude00\ud83d"]"#), [0xFFFD, 0xFFFD], "inverted pair")
        XCTAssertEqual(try scalars(#"["\ud83d\\ude00"]"#), [0xFFFD, 0x5C, 0x75, 0x64, 0x65, 0x30, 0x30], "high before an escaped backslash")
        XCTAssertEqual(try parse(#"{"\ud800":1}"#), .object([(key: "\u{FFFD}", value: .number(1))]), "in a key")
        // A high surrogate followed by a broken \u escape is still a broken escape.
        assertRefused(#"["\ud83d\u12"]"#, .invalidUnicodeEscape, at: 8)
        assertRefused(#"["\ud83d\uZZZZ"]"#, .invalidUnicodeEscape, at: 8)
    }

    func testRawBytesThatAreNotUTF8AreRefusedWhereTheyStart() {
        let quote: UInt8 = 0x22
        assertRefused([0x5B, quote, 0x61, 0x62, 0xFF, quote, 0x5D], .invalidUTF8, at: 4)
        assertRefused([quote, 0xC3, 0x28, quote], .invalidUTF8, at: 1)  // lead byte without continuation
        assertRefused([quote, 0xC0, 0xAF, quote], .invalidUTF8, at: 1)  // overlong '/'
        assertRefused([quote, 0xED, 0xA0, 0x80, quote], .invalidUTF8, at: 1)  // a surrogate, encoded raw
        assertRefused([quote, 0xF4, 0x90, 0x80, 0x80, quote], .invalidUTF8, at: 1)  // past U+10FFFF
        assertRefused([quote, 0x61, 0xE2, 0x82, quote], .invalidUTF8, at: 2)  // truncated at the quote
        assertRefused([quote, 0x80, quote], .invalidUTF8, at: 1)  // lone continuation byte
        // Where the string also has escapes, the offset is still the input's.
        assertRefused([quote, 0x5C, 0x6E, 0xC3, 0xA9, 0xFE, quote], .invalidUTF8, at: 5)
        assertRefused([quote, 0xC3, 0x5C, 0x6E, quote], .invalidUTF8, at: 1)
        // Outside strings a non-ASCII byte is simply not JSON.
        assertRefused([0x5B, 0xE5, 0x5D], .unexpectedByte(0xE5, expected: "a value"), at: 1)
    }

    func testControlCharactersMustBeEscaped() throws {
        for byte in UInt8(0x00)...UInt8(0x1F) {
            assertRefused([0x22, 0x61, byte, 0x22], .controlCharacter(byte), at: 2)
            assertRefused([0x22, 0x5C, 0x6E, byte, 0x22], .controlCharacter(byte), at: 3)
        }
        // DEL and the line separators are not control characters to JSON.
        XCTAssertEqual(try parse([0x22, 0x7F, 0x22]), .string("\u{7F}"))
        XCTAssertEqual(try parse("\"\u{2028}\u{2029}\""), .string("\u{2028}\u{2029}"))
    }

    func testUnterminatedStringsAreRefused() {
        assertRefused(#""abc"#, .unexpectedEnd(expected: "'\"' to end the string"), at: 4)
        assertRefused(#"["abc]"#, .unexpectedEnd(expected: "'\"' to end the string"), at: 6)
        assertRefused(#"{"a"#, .unexpectedEnd(expected: "'\"' to end the string"), at: 3)
    }

    // MARK: Duplicate keys

    func testRepeatedKeyKeepsFirstPositionAndLastValue() throws {
        XCTAssertEqual(
            try parse(#"{"a":1,"b":2,"a":3}"#), .object([(key: "a", value: .number(3)), (key: "b", value: .number(2))]))
        XCTAssertEqual(
            try parse(#"{"a":{"x":1,"x":2},"a":{"y":3,"y":4}}"#),
            .object([(key: "a", value: .object([(key: "y", value: .number(4))]))]))
        XCTAssertEqual(try parse(#"{"a":1,"a":1,"a":1}"#), .object([(key: "a", value: .number(1))]))
        // Escapes are decoded before keys compare.
        XCTAssertEqual(try parse(#"{"a":1,"\u0061":2}"#), .object([(key: "a", value: .number(2))]))
    }

    /// Keys compare as Swift compares strings, as every lookup does: canonically
    /// equivalent spellings (é precomposed, e + combining acute) are one key.
    func testCanonicallyEquivalentKeysAreOneKey() throws {
        let value = try parse("{\"\u{E9}\":1,\"e\u{301}\":2}")
        guard case .object(let members) = value else { return XCTFail("\(value)") }
        XCTAssertEqual(members.count, 1)
        XCTAssertEqual(members.first?.key.unicodeScalars.map(\.value), [0xE9])
        XCTAssertEqual(members.first?.value, .number(2))
    }

    /// Around the switch from scanning to a dictionary index, every size agrees.
    func testRepeatedKeysAtEverySizeAroundTheIndex() throws {
        for count in 1...40 {
            for repeated in [0, count / 2, count - 1] {
                let keys = (0..<count).map { "k\($0)" }
                let members = keys.enumerated().map { #""\#($1)":\#($0)"# } + [#""k\#(repeated)":"last""#]
                let value = try parse("{" + members.joined(separator: ",") + "}")
                guard case .object(let parsed) = value else { return XCTFail("\(value)") }
                XCTAssertEqual(parsed.map(\.key), keys, "\(count) keys, k\(repeated) repeated")
                for (position, member) in parsed.enumerated() {
                    XCTAssertEqual(member.value, position == repeated ? .string("last") : .number(Double(position)), "\(count) keys")
                }
            }
        }
    }

    /// 100,000 keys, each written twice: linear work, not 10^10 comparisons.
    func testAHugeObjectWithRepeatedKeys() throws {
        let count = 100_000
        var text = "{"
        for round in 0..<2 {
            for key in 0..<count { text += #""key\#(key)":\#(round * count + key),"# }
        }
        text += #""key0":"end"}"#
        guard case .object(let members) = try parse(text) else { return XCTFail("not an object") }
        XCTAssertEqual(members.count, count)
        XCTAssertEqual(members.first?.key, "key0")
        XCTAssertEqual(members.first?.value, .string("end"))
        XCTAssertEqual(members[1].value, .number(Double(count + 1)))
        XCTAssertEqual(members.last?.key, "key\(count - 1)")
        XCTAssertEqual(members.last?.value, .number(Double(2 * count - 1)))
    }

    // MARK: Structure

    func testWhitespaceIsTheFourJSONCharactersOnly() throws {
        XCTAssertEqual(
            try parse(" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, \t\r\ntrue \t\r\n] \t\r\n} \t\r\n"),
            .object([(key: "a", value: .array([.number(1), .bool(true)]))]))
        assertRefused("[1\u{0C}]", .unexpectedByte(0x0C, expected: "',' or ']'"), at: 2)
        assertRefused("\u{0B}1", .unexpectedByte(0x0B, expected: "a value"), at: 0)
        assertRefused([0x5B, 0xC2, 0xA0, 0x31, 0x5D], .unexpectedByte(0xC2, expected: "a value"), at: 1)  // no-break space
    }

    func testTrailingTextIsRefused() {
        assertRefused("{} x", .unexpectedByte(UInt8(ascii: "x"), expected: "the end of the input"), at: 3)
        assertRefused("[1]]", .unexpectedByte(UInt8(ascii: "]"), expected: "the end of the input"), at: 3)
        assertRefused("{}{}", .unexpectedByte(UInt8(ascii: "{"), expected: "the end of the input"), at: 2)
        assertRefused("1 2", .unexpectedByte(UInt8(ascii: "2"), expected: "the end of the input"), at: 2)
        assertRefused(#""a" "b""#, .unexpectedByte(UInt8(ascii: "\""), expected: "the end of the input"), at: 4)
        assertRefused([0x7B, 0x7D, 0x00], .unexpectedByte(0x00, expected: "the end of the input"), at: 2)
        assertRefused("{}/**/", .unexpectedByte(UInt8(ascii: "/"), expected: "the end of the input"), at: 2)
    }

    func testEmptyInputIsRefused() {
        assertRefused("", .unexpectedEnd(expected: "a value"), at: 0)
        assertRefused(" \n\t\r", .unexpectedEnd(expected: "a value"), at: 4)
    }

    /// RFC 8259 forbids sending a byte order mark and lets a parser ignore one; this one
    /// refuses it, as the hook body is refused with one (Foundation skips it).
    func testByteOrderMarkIsRefused() {
        assertRefused([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], .byteOrderMark, at: 0)
        assertRefused([0xEF, 0xBB, 0xBF], .byteOrderMark, at: 0)
        assertRefused([0x20, 0xEF, 0xBB, 0xBF, 0x7B, 0x7D], .unexpectedByte(0xEF, expected: "a value"), at: 1)
        assertRefused([0xEF, 0xBB, 0x7B, 0x7D], .unexpectedByte(0xEF, expected: "a value"), at: 0)
    }

    func testStructuralErrorsNameWhatWasExpected() {
        assertRefused("[1,]", .unexpectedByte(UInt8(ascii: "]"), expected: "a value"), at: 3)
        assertRefused(#"{"a":1,}"#, .unexpectedByte(UInt8(ascii: "}"), expected: "a string key"), at: 7)
        assertRefused("{1:2}", .unexpectedByte(UInt8(ascii: "1"), expected: "a string key"), at: 1)
        assertRefused("{'a':1}", .unexpectedByte(UInt8(ascii: "'"), expected: "a string key"), at: 1)
        assertRefused(#"{"a" 1}"#, .unexpectedByte(UInt8(ascii: "1"), expected: "':'"), at: 5)
        assertRefused(#"{"a":1 "b":2}"#, .unexpectedByte(UInt8(ascii: "\""), expected: "',' or '}'"), at: 7)
        assertRefused("[1 2]", .unexpectedByte(UInt8(ascii: "2"), expected: "',' or ']'"), at: 3)
        assertRefused("[,1]", .unexpectedByte(UInt8(ascii: ","), expected: "a value"), at: 1)
        assertRefused("]", .unexpectedByte(UInt8(ascii: "]"), expected: "a value"), at: 0)
        assertRefused("[", .unexpectedEnd(expected: "a value"), at: 1)
        assertRefused("[1", .unexpectedEnd(expected: "',' or ']'"), at: 2)
        assertRefused("{", .unexpectedEnd(expected: "a string key"), at: 1)
        assertRefused(#"{"a""#, .unexpectedEnd(expected: "':'"), at: 4)
        assertRefused(#"{"a":"#, .unexpectedEnd(expected: "a value"), at: 5)
        assertRefused(#"{"a":1"#, .unexpectedEnd(expected: "',' or '}'"), at: 6)
    }

    func testLiterals() throws {
        XCTAssertEqual(try parse("[true,false,null]"), .array([.bool(true), .bool(false), .null]))
        assertRefused("tru", .unexpectedEnd(expected: "'true'"), at: 3)
        assertRefused("trux", .invalidLiteral(expected: "'true'"), at: 3)
        assertRefused("[nul]", .invalidLiteral(expected: "'null'"), at: 4)
        assertRefused("fals", .unexpectedEnd(expected: "'false'"), at: 4)
        assertRefused("True", .unexpectedByte(UInt8(ascii: "T"), expected: "a value"), at: 0)
        assertRefused("nulll", .unexpectedByte(UInt8(ascii: "l"), expected: "the end of the input"), at: 4)
    }

    func testAnyValueMayStandAlone() throws {
        XCTAssertEqual(try parse("1"), .number(1))
        XCTAssertEqual(try parse(#""s""#), .string("s"))
        XCTAssertEqual(try parse("null"), .null)
        XCTAssertEqual(try parse(" true "), .bool(true))
        XCTAssertEqual(try parse("[]"), .array([]))
        XCTAssertEqual(try parse("{}"), .object([]))
    }

    func testInputWithoutContiguousStorageParsesTheSame() throws {
        let text = #"{"a":[1,"\u00e9",{"b":null}],"a":true}"#
        let bytes = Array(text.utf8)
        XCTAssertEqual(try JSONParser.parse(bytes.lazy.map { $0 }), try parse(text))
        XCTAssertEqual(try JSONParser.parse(bytes[...]), try parse(bytes))
    }

    func testErrorsReadAsReasonAndOffset() {
        let cases: [(input: [UInt8], description: String)] = [
            (Array(#"{"a":1,}"#.utf8), "expected a string key, found '}' at byte 7"),
            (Array("[1,\n2\n".utf8), "unexpected end of input, expected ',' or ']' at byte 6"),
            ([0x22, 0x61, 0x09, 0x22], "unescaped control character 0x09 in a string at byte 2"),
            (Array(#""\q""#.utf8), "invalid escape '\\' followed by 'q' in a string at byte 2"),
            (Array(#""\u00G0""#.utf8), "invalid \\u escape: expected four hex digits at byte 1"),
            ([0x22, 0xFF, 0x22], "invalid UTF-8 in a string at byte 1"),
            (Array("[01]".utf8), "invalid number: leading zero at byte 1"),
            (Array("[1.]".utf8), "invalid number: no digit after '.' at byte 3"),
            (Array("[ ]]".utf8), "expected the end of the input, found ']' at byte 3"),
            ([0x5B, 0x20, 0x00], "expected a value, found 0x00 at byte 2"),
            (Array("nul".utf8), "unexpected end of input, expected 'null' at byte 3"),
            ([0xEF, 0xBB, 0xBF, 0x31], "byte order mark before the JSON value at byte 0"),
            (Array(nested(300).utf8), "arrays and objects nested deeper than 256 at byte 256"),
        ]
        for (input, description) in cases {
            XCTAssertThrowsError(try parse(input)) { XCTAssertEqual("\($0)", description) }
        }
    }

    // MARK: Through HookParameters

    func testHookBodyErrorsKeepTheirContract() {
        func error(_ bytes: [UInt8]) -> HookInputError? {
            do {
                _ = try HookParameters(body: bytes)
                return nil
            } catch {
                return error
            }
        }
        XCTAssertEqual(error([0xEF, 0xBB, 0xBF] + Array("{}".utf8)), HookInputError(.notJSON), "a byte order mark")
        XCTAssertEqual(error(Array(#"{"a":1,}"#.utf8)), HookInputError(.notJSON))
        XCTAssertEqual(error(Array(#"{"a":1}"#.utf8) + [0xFF]), HookInputError(.invalidUTF8), "outside a string")
        XCTAssertEqual(error([0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D]), HookInputError(.invalidUTF8), "in a key")
        XCTAssertNil(error(Array(#"{"fromPeer":"\ud83d"}"#.utf8)), "a lone surrogate escape")
    }

    func testHookParametersSeeTheLastOfRepeatedKeys() throws {
        let parameters = try HookParameters(body: Array(#"{"fromPeer":"Eve","convId":"c","fromPeer":"Tom","_x":1,"_x":2}"#.utf8))
        XCTAssertEqual(parameters.members.map(\.key), ["fromPeer", "convId"])
        XCTAssertEqual(try parameters.string("fromPeer"), "Tom")
    }
}
