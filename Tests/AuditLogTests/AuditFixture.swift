import AuditLog
import Foundation
import PushCompose
import XCTest

/// Audit files written the way the writer writes them (schema 1 lines, sealed in a chain
/// per stream, rotated files compressed), in a temporary directory.
struct AuditFixture {
    let directory: URL
    let chain = AuditChain(auditKey: Array("the audit key of the search tests".utf8))
    private var prev: [String: ChainValue] = [:]

    init(_ test: XCTestCase) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-search-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let directory = directory
        test.addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
    }

    /// A record: `time`, `v`, `kind`, then `members`.
    static func record(_ time: String, _ kind: String, _ members: KeyValuePairs<String, JSONValue> = [:]) -> JSONValue {
        .object([("time", .string(time)), ("v", .number(1)), ("kind", .string(kind))] + members.map { (key: $0.key, value: $0.value) })
    }

    static func strings(_ values: String...) -> JSONValue { .array(values.map(JSONValue.string)) }

    /// Writes `records` as one file of `stream`, sealed after the stream's previous file;
    /// `compressed`: gzip-compressed as rotation leaves it; `tail`: bytes after the last
    /// newline (a torn line).
    @discardableResult
    mutating func write(
        _ records: [JSONValue], stream: String = "", day: String, sequence: Int = 0, compressed: Bool = false, sealed: Bool = true,
        tail: String = ""
    ) throws -> URL {
        var bytes: [UInt8] = []
        for record in records {
            var line: [UInt8] = []
            JSONEncoding.write(record, into: &line)
            if sealed {
                let sealed = chain.seal(line, prev: prev[stream] ?? .genesis)
                prev[stream] = sealed.mac
                line = sealed.line
            }
            bytes += line
            bytes.append(UInt8(ascii: "\n"))
        }
        bytes += Array(tail.utf8)
        let name = AuditFileName(stream: stream, day: day, sequence: sequence)
        let url = directory.appendingPathComponent(name.description)
        try Data(bytes).write(to: url)
        guard compressed else { return url }
        let gz = directory.appendingPathComponent(AuditFileName(stream: stream, day: day, sequence: sequence, compressed: true).description)
        try GzipFile.compress(url, to: gz)
        return gz
    }

    var search: AuditSearch { AuditSearch(directory: directory) }
}

extension AuditRecord {
    /// The fixture's own member naming each record, to compare results.
    var tag: String { string("tag") ?? "?" }
}

// Literals for the records written here.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
