import PushCompose
import XCTest

/// Bugs the parser had, each pinned.
final class JSONParserRegressionTests: XCTestCase {
    /// A JavaScript client that cuts a string inside an emoji sends a lone surrogate escape;
    /// refusing it made the whole content plain text, raw JSON and all.
    func testLoneSurrogateEscapeIsReplacementCharacter() throws {
        let content = #"{"_lctext":"PIN 4321 \ud83d","_lctype":-1,"_lcattrs":{"confidential":"true"}}"#
        let value = try JSONParser.parse(content)
        XCTAssertEqual(value["_lctext"], .string("PIN 4321 \u{FFFD}"))
        XCTAssertEqual(value["_lcattrs"]?["confidential"], .string("true"))
    }

    /// Template matching took the first of repeated `_lcattrs` keys, the rest of the service the last.
    func testRepeatedAttributeReadsTheLastValueEverywhere() throws {
        let content = MessageContent(parsing: #"{"_lctext":"PIN 4321","_lctype":-1,"_lcattrs":{"confidential":"false","confidential":"true"}}"#)
        XCTAssertEqual(content.attr("confidential"), .string("true"))
        XCTAssertEqual(content.attrs.count, 1)
        let attributesOnly = MessageContent(parsing: #"{"_lcattrs":{"confidential":"false","confidential":"true"}}"#)
        XCTAssertEqual(attributesOnly.attr("confidential"), .string("true"))
    }
}
