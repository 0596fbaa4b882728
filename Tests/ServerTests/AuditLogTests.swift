import Foundation
import NIOCore
import Hummingbird
import HummingbirdTesting
@testable import Server
import XCTest

/// The audit log: one JSON line per hook decision in data/audit/audit-YYYY-MM-DD.jsonl,
/// with message text kept, hashed or dropped as configured.
final class AuditLogTests: XCTestCase {
    static let secret = "secret plans 7f3a"
    static var hook: [String: Any] { HookBody.receiversOffline(to: ["Jerry", "Spike"], content: HookBody.text(secret)) }

    private static func utcDay(_ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    private func configuration(_ mode: AuditTextMode) throws -> ServerConfiguration {
        var configuration = try makeConfiguration(secured: true)
        configuration.auditText = mode
        return configuration
    }

    func testOneRecordPerDecisionInTheDaysFile() async throws {
        let configuration = try configuration(.full)
        let before = Self.utcDay(Date())
        try await withServer(configuration) { server in
            let result = try await server.receiversOffline(Self.hook)
            await server.audit.flush()
            let after = Self.utcDay(Date())
            let auditDirectory = URL(fileURLWithPath: configuration.data).appendingPathComponent("audit")
            XCTAssertEqual(server.audit.directory.standardizedFileURL.path, auditDirectory.standardizedFileURL.path)
            // The journal (hidden) beside the day's file.
            let files = try FileManager.default.contentsOfDirectory(atPath: auditDirectory.path).filter { !$0.hasPrefix(".") }
            XCTAssertEqual(files.count, 1, "\(files)")
            XCTAssertTrue(files == ["audit-\(before).jsonl"] || files == ["audit-\(after).jsonl"], "\(files)")

            let records = try readAuditRecords(in: auditDirectory)
            XCTAssertEqual(records.count, 1)
            let record = records[0]
            XCTAssertEqual(record["kind"], .string("hook"))
            XCTAssertEqual(record["function"], .string("_receiversOffline"))
            XCTAssertEqual(record["conversation"], .string("conv-1"))
            XCTAssertEqual(record["sender"], .string("Tom"))
            XCTAssertEqual(record["receivers"], .number(2))
            XCTAssertEqual(record["messageKind"], .string("text"))
            XCTAssertEqual(record["template"], .string("default"))
            XCTAssertEqual(record["answer"], result)
            XCTAssertEqual(record["coalesced"], .array([]))
            XCTAssertNotNil(record["micros"]?.numberValue)
            XCTAssertNotNil(record["time"]?.stringValue)
            let groups = try XCTUnwrap(record["groups"]?.arrayValue)
            XCTAssertEqual(groups.count, 1)
            XCTAssertEqual(groups[0]["receivers"]?.stringArray, ["Jerry", "Spike"])
            XCTAssertEqual(groups[0]["answered"], .bool(true))

            // Further calls append to the same file.
            _ = try await server.receiversOffline(Self.hook)
            _ = try await server.receiversOffline(Self.hook)
            let all = try await server.auditRecords()
            XCTAssertEqual(all.count, 3)
        }
    }

    func testFullTextMode() async throws {
        try await withServer(try configuration(.full)) { server in
            let result = try await server.receiversOffline(Self.hook)
            let records = try await server.auditRecords()
            let record = try XCTUnwrap(records.last)
            XCTAssertEqual(record["text"], .string(Self.secret))
            XCTAssertNil(record["textHMAC"])
            let group = try XCTUnwrap(record["groups"]?[0])
            XCTAssertEqual(group["payload"], result["pushMessage"])
            XCTAssertTrue(group["payload"]?.stringValue?.contains(Self.secret) ?? false)
            XCTAssertEqual(record["answer"]?["pushMessage"], result["pushMessage"])
        }
    }

    func testHashTextMode() async throws {
        var configuration = try configuration(.hash)
        configuration.auditKey = "audit-key-for-this-test"
        try await withServer(configuration) { server in
            let result = try await server.receiversOffline(Self.hook)
            // The answer itself still carries the text.
            XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: \(Self.secret)"))
            let payload = try XCTUnwrap(result["pushMessage"]?.stringValue)

            await server.audit.flush()
            let lines = try readAuditLines(in: server.audit.directory)
            XCTAssertEqual(lines.count, 1)
            XCTAssertFalse(lines[0].contains(Self.secret), lines[0])
            XCTAssertFalse(lines[0].contains("secret plans"), lines[0])

            let record = try decodeJSON(lines[0])
            XCTAssertNil(record["text"])
            XCTAssertEqual(record["textHMAC"], .string(hmacHex(Self.secret, key: "audit-key-for-this-test")))
            let group = try XCTUnwrap(record["groups"]?[0])
            XCTAssertNil(group["payload"])
            XCTAssertEqual(group["payloadHMAC"], .string(hmacHex(payload, key: "audit-key-for-this-test")))
            XCTAssertEqual(record["answer"]?["pushMessage"], .string("hmac-sha256:" + hmacHex(payload, key: "audit-key-for-this-test")))
        }
    }

    func testNoTextMode() async throws {
        try await withServer(try configuration(.none)) { server in
            let result = try await server.receiversOffline(Self.hook)
            let payload = try XCTUnwrap(result["pushMessage"]?.stringValue)

            await server.audit.flush()
            let lines = try readAuditLines(in: server.audit.directory)
            XCTAssertEqual(lines.count, 1)
            XCTAssertFalse(lines[0].contains("secret plans"), lines[0])
            XCTAssertFalse(lines[0].contains(sha256Hex(Self.secret)), lines[0])
            XCTAssertFalse(lines[0].contains(sha256Hex(payload)), lines[0])

            let record = try decodeJSON(lines[0])
            XCTAssertNil(record["text"])
            XCTAssertNil(record["textHMAC"])
            let group = try XCTUnwrap(record["groups"]?[0])
            XCTAssertNil(group["payload"])
            XCTAssertNil(group["payloadHMAC"])
            XCTAssertNotNil(record["answer"])
            XCTAssertNil(record["answer"]?["pushMessage"])
            XCTAssertEqual(group["receivers"]?.stringArray, ["Jerry", "Spike"])
        }
    }

    func testTextModesHoldForRichMessagesToo() async throws {
        // A location's text is not shown in the push, but it is still message text.
        let content = #"{"_lctype":-5,"_lctext":"meet at the secret plans 7f3a cafe","_lcloc":{"latitude":1,"longitude":2}}"#
        for mode in [AuditTextMode.hash, .none] {
            try await withServer(try configuration(mode)) { server in
                _ = try await server.receiversOffline(HookBody.receiversOffline(content: content))
                await server.audit.flush()
                for line in try readAuditLines(in: server.audit.directory) {
                    XCTAssertFalse(line.contains("secret plans"), "\(mode): \(line)")
                }
            }
        }
    }

    func testTheInputKeepsTheBodyAsReceivedOnOneLine() async throws {
        try await withServer(try configuration(.full)) { server in
            let compact = #"{"fromPeer":"Tom","convId":"c1","offlinePeers":["Jerry"],"content":"hi"}"#
            let pretty = "{\n  \"fromPeer\": \"Tom\",\r\n  \"convId\": \"c2\",\n  \"offlinePeers\": [\"Jerry\"],\n  \"content\": \"hi\"\n}"
            for body in [compact, pretty] {
                let response = try await server.call("_receiversOffline", body: ByteBuffer(string: body))
                XCTAssertEqual(response.status, .ok)
            }
            await server.audit.flush()
            // Every record is one line; the one-line body is kept byte for byte, the other re-encoded.
            let lines = try readAuditLines(in: server.audit.directory)
            XCTAssertEqual(lines.count, 2)
            XCTAssertTrue(lines[0].contains(#""input":{"hook":\#(compact),"clients":"#), lines[0])
            let records = try readAuditRecords(in: server.audit.directory)
            XCTAssertEqual(records[1]["input"]?["hook"]?["convId"], .string("c2"))
            // Jerry is unknown to the registry and has no device: not listed, which replay reads alike.
            XCTAssertNotNil(records[1]["input"]?["clients"])
            XCTAssertNil(records[1]["input"]?["clients"]?["Jerry"])
        }
    }

    func testFilesRotateBySize() async throws {
        var configuration = try configuration(.full)
        configuration.auditMaxFileBytes = 1024
        try await withServer(configuration) { server in
            for _ in 0..<8 { _ = try await server.receiversOffline(Self.hook) }
            await server.audit.flush()
            await server.audit.maintenanceSettled()
            let files = try FileManager.default.contentsOfDirectory(atPath: server.audit.directory.path).filter { !$0.hasPrefix(".") }.sorted()
            XCTAssertGreaterThan(files.count, 1, "\(files)")
            // Finished files are compressed; the one being written is not.
            XCTAssertEqual(files.filter { !$0.hasSuffix(".gz") }.count, 1, "\(files)")
            for file in files {
                XCTAssertNotNil(file.range(of: #"^audit-\d{4}-\d{2}-\d{2}(\.\d+)?\.jsonl(\.gz)?$"#, options: .regularExpression), file)
            }
            XCTAssertEqual(try readAuditRecords(in: server.audit.directory).count, 8)
        }
    }

    func testAfterARestartRecordsGoToTheDaysNewestFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let day = UTCTimestamp.day()
        // Before the restart: the first file had room left, the second was being written.
        try Data("old-1\n".utf8).write(to: directory.appendingPathComponent("audit-\(day).jsonl"))
        try Data("old-2\n".utf8).write(to: directory.appendingPathComponent("audit-\(day).1.jsonl"))

        var writer = RotatingFileWriter(directory: directory, maxFileBytes: 16)
        try writer.append(records: [Array("new-3".utf8)])
        try writer.append(records: [Array("new-4-is-longer".utf8)])  // no room left in .1
        try writer.close()

        func contents(_ name: String) throws -> String {
            try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        XCTAssertEqual(try contents("audit-\(day).jsonl"), "old-1\n")
        XCTAssertEqual(try contents("audit-\(day).1.jsonl"), "old-2\nnew-3\n")
        XCTAssertEqual(try contents("audit-\(day).2.jsonl"), "new-4-is-longer\n")
    }

    /// A file written past is not synced on the writer's way (a finished file's fsync held
    /// every waiting hook): it is handed over to be synced elsewhere, or synced by `sync`.
    func testAFileWrittenPastIsSyncedElsewhereOrBySync() throws {
        let directory = try makeTemporaryDirectory()
        let day = UTCTimestamp.day()
        var writer = RotatingFileWriter(directory: directory, maxFileBytes: 16)
        try writer.append(records: [Array("first-0123".utf8)])
        XCTAssertTrue(writer.takeRetired().isEmpty)
        try writer.append(records: [Array("second-0123".utf8)])  // no room: a second file
        let retired = writer.takeRetired()
        XCTAssertEqual(retired.map(\.path), [directory.appendingPathComponent("audit-\(day).jsonl").path])
        XCTAssertTrue(writer.takeRetired().isEmpty, "handed over once")
        for file in retired {
            try file.sync()
            file.close()
        }
        try writer.append(records: [Array("third-01234".utf8)])  // a third file
        try writer.sync()
        XCTAssertTrue(writer.takeRetired().isEmpty, "sync synced and closed the file written past")
        try writer.close()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(names, ["audit-\(day).1.jsonl", "audit-\(day).2.jsonl", "audit-\(day).jsonl"])
    }

    func testConversationUpdatesThatTeachSomethingAreRecorded() async throws {
        try await withServer(try configuration(.full)) { server in
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Jerry", "convId": "conv-1", "mute": true])
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Tom", "convId": "conv-1", "attr": ["name": "Lunch"]])
            _ = try await server.call("_conversationUpdate", json: ["initBy": "Tom", "convId": "conv-1", "attr": ["color": "red"]])
            let records = try await server.auditRecords()
            XCTAssertEqual(records.count, 2)
            XCTAssertEqual(records[0]["function"], .string("_conversationUpdate"))
            XCTAssertEqual(records[0]["client"], .string("Jerry"))
            XCTAssertEqual(records[0]["mute"], .bool(true))
            XCTAssertEqual(records[1]["name"], .string("Lunch"))
        }
    }
}
