import Foundation
import PushCompose
import XCTest

/// The JSON encoder every payload and answer goes through.
final class JSONEncodingTests: XCTestCase {
    func testStringEscapes() {
        XCTAssertEqual(JSONEncoding.string(.string(#"say "hi""#)), #""say \"hi\"""#)
        XCTAssertEqual(JSONEncoding.string(.string(#"C:\path"#)), #""C:\\path""#)
        XCTAssertEqual(JSONEncoding.string(.string("a\nb\rc\td")), #""a\nb\rc\td""#)
        XCTAssertEqual(JSONEncoding.string(.string("\u{08}\u{0C}")), #""\b\f""#)
        XCTAssertEqual(JSONEncoding.string(.string("\u{00}\u{01}\u{1F}")), #""\u0000\u0001\u001f""#)
        XCTAssertEqual(JSONEncoding.string(.string("line\u{2028}para\u{2029}")), #""line\u2028para\u2029""#)
    }

    func testCharactersThatNeedNoEscapeArePassedThrough() {
        XCTAssertEqual(JSONEncoding.string(.string("}{/<b>&amp;'")), #""}{/<b>&amp;'""#)
        XCTAssertEqual(JSONEncoding.string(.string("é漢👨‍👩‍👧\u{7F}")), "\"é漢👨‍👩‍👧\u{7F}\"")
        XCTAssertEqual(JSONEncoding.string(.string("")), #""""#)
    }

    func testEveryControlCharacterRoundTripsThroughFoundation() throws {
        var text = ""
        for value in 0..<0x20 { text.unicodeScalars.append(Unicode.Scalar(UInt8(value))) }
        text += "\"\\\u{2028}\u{2029}end"
        let encoded = JSONEncoding.string(.array([.string(text)]))
        XCTAssertTrue(encoded.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0 != "\u{2028}" && $0 != "\u{2029}" }, encoded)
        let decoded = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(encoded.utf8)) as? [String])
        XCTAssertEqual(decoded.count, 1)
        XCTAssertEqual(Array(decoded[0].unicodeScalars), Array(text.unicodeScalars))
    }

    func testObjectKeysKeepTheirOrder() {
        let value = JSONValue.object([
            (key: "zeta", value: .number(1)), (key: "alpha", value: .string("a")), (key: "mid", value: .null),
            (key: "nested", value: .object([(key: "b", value: .bool(true)), (key: "a", value: .bool(false))])),
        ])
        XCTAssertEqual(JSONEncoding.string(value), #"{"zeta":1,"alpha":"a","mid":null,"nested":{"b":true,"a":false}}"#)
    }

    func testKeysAreEscapedToo() {
        XCTAssertEqual(JSONEncoding.string(.object([(key: "a\"b\n", value: .number(0))])), #"{"a\"b\n":0}"#)
    }

    func testIntegersArePrintedWithoutAFraction() {
        XCTAssertEqual(JSONEncoding.string(.number(3)), "3")
        XCTAssertEqual(JSONEncoding.string(.number(0)), "0")
        XCTAssertEqual(JSONEncoding.string(.number(-42)), "-42")
        XCTAssertEqual(JSONEncoding.string(.number(1_472_200_796_764)), "1472200796764")
        XCTAssertEqual(JSONEncoding.string(.number(999_999_999_999_999)), "999999999999999")
    }

    func testFractionsAndNonFiniteNumbers() throws {
        XCTAssertEqual(JSONEncoding.string(.number(1.5)), "1.5")
        XCTAssertEqual(JSONEncoding.string(.number(-0.25)), "-0.25")
        XCTAssertEqual(JSONEncoding.string(.number(.nan)), "null")
        XCTAssertEqual(JSONEncoding.string(.number(.infinity)), "null")
        // Large magnitudes still come out as valid JSON numbers.
        let large = JSONEncoding.string(.array([.number(1e20)]))
        let decoded = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(large.utf8)) as? [Double])
        XCTAssertEqual(decoded, [1e20])
    }

    func testArraysAndLiterals() {
        XCTAssertEqual(
            JSONEncoding.string(.array([.null, .bool(true), .bool(false), .number(2), .string("x"), .array([]), .object([])])),
            #"[null,true,false,2,"x",[],{}]"#)
    }

    func testPlainTextOfValues() {
        XCTAssertEqual(JSONValue.string("a\"b").plainText, "a\"b")
        XCTAssertEqual(JSONValue.number(7).plainText, "7")
        XCTAssertEqual(JSONValue.number(2.5).plainText, "2.5")
        XCTAssertEqual(JSONValue.bool(true).plainText, "true")
        XCTAssertEqual(JSONValue.null.plainText, "null")
    }

    func testAnswerMembersComeInProtocolOrderAndOnlyWhenSet() {
        XCTAssertEqual(JSONEncoding.string(ReceiversOfflineAnswer().json), "{}")
        XCTAssertEqual(JSONEncoding.string(ReceiversOfflineAnswer.skipBuiltinPush.json), #"{"skip":true}"#)
        let answer = ReceiversOfflineAnswer(offlinePeers: ["a", "b"], pushMessage: #"{"alert":"x"}"#, force: true)
        XCTAssertEqual(JSONEncoding.string(answer.json), #"{"offlinePeers":["a","b"],"pushMessage":"{\"alert\":\"x\"}","force":true}"#)
    }
}
