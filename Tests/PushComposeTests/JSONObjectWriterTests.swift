import PushCompose
import XCTest

/// The audit log writes records with `JSONObjectWriter`; its bytes must be exactly what
/// `JSONEncoding` gives for the same object.
final class JSONObjectWriterTests: XCTestCase {
    private struct Entry {
        var name: String
        var tags: [String]
        var note: String?
    }

    func testWritesWhatJSONEncodingWritesForTheSameObject() throws {
        let entries = [
            Entry(name: "a \"quoted\"\nline", tags: ["x", "👨‍👩‍👧"], note: nil),
            Entry(name: "\u{2028}", tags: [], note: "n"),
        ]
        var writer = JSONObjectWriter(reservingCapacity: 8)
        writer.member("text", "Tom: hi \\ there")
        writer.member("missing", nil as String?)
        writer.member("count", -42)
        writer.member("ok", true)
        writer.member("answer", JSONValue.object([(key: "pushMessage", value: .string("{\"alert\":\"x\"}"))]))
        writer.member("receivers", strings: ["Jerry", "Spike"])
        writer.member("none", strings: [])
        writer.member("entries", objects: entries) { object, entry in
            object.member("name", entry.name)
            object.member("tags", strings: entry.tags)
            object.member("note", entry.note)
        }
        writer.member("empty", objects: [Entry]()) { _, _ in XCTFail("no elements to write") }
        writer.member("emptyObjects", objects: [1, 2]) { _, _ in }
        let written = String(decoding: writer.finish(), as: UTF8.self)

        let expected = JSONEncoding.string(.object([
            (key: "text", value: .string("Tom: hi \\ there")),
            (key: "missing", value: .null),
            (key: "count", value: .number(-42)),
            (key: "ok", value: .bool(true)),
            (key: "answer", value: .object([(key: "pushMessage", value: .string("{\"alert\":\"x\"}"))])),
            (key: "receivers", value: .array([.string("Jerry"), .string("Spike")])),
            (key: "none", value: .array([])),
            (key: "entries", value: .array(entries.map { entry in
                .object([
                    (key: "name", value: .string(entry.name)),
                    (key: "tags", value: .array(entry.tags.map(JSONValue.string))),
                    (key: "note", value: entry.note.map(JSONValue.string) ?? .null),
                ])
            })),
            (key: "empty", value: .array([])),
            (key: "emptyObjects", value: .array([.object([]), .object([])])),
        ]))
        XCTAssertEqual(written, expected)
        XCTAssertEqual(try JSONParser.parse(written), try JSONParser.parse(expected))
    }

    func testAnEmptyObject() {
        XCTAssertEqual(String(decoding: JSONObjectWriter().finish(), as: UTF8.self), "{}")
    }
}
