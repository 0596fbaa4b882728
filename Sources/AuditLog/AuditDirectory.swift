import Foundation

/// The audit files of a directory, by stream, each stream's in the order they were
/// written. A file both plain and compressed (a crash during compression) is listed
/// once, plain: the `.gz` may be incomplete.
public struct AuditDirectory: Sendable {
    public let url: URL

    public init(url: URL) {
        self.url = url
    }

    public struct File: Sendable, Hashable {
        public var name: AuditFileName
        public var url: URL
        /// Bytes on disk (compressed for a `.gz`).
        public var size: Int

        /// Whether the file may hold records from `since` to `until` (either open): by its
        /// day. A record is made before it is written, so a day's file holds no later
        /// records, but may hold the previous day's last ones (made before midnight,
        /// written after): an hour's margin before the day.
        public func mayHold(since: String?, until: String?) -> Bool {
            if let since, name.day + "T23:59:59.999Z" < since { return false }
            if let until, AuditDirectory.hourBefore(name.day + "T00:00:00.000Z") >= until { return false }
            return true
        }
    }

    /// `time` an hour earlier, as text.
    static func hourBefore(_ time: String) -> String {
        guard let date = AuditTime.date(time) else { return time }
        return AuditTime.text(date.addingTimeInterval(-3600))
    }

    /// Stream name ("" for the single instance's) → its files in order; empty when the
    /// directory does not exist.
    public func streams() throws -> [String: [File]] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch CocoaError.fileReadNoSuchFile {
            return [:]
        }
        var files: [AuditFileName: File] = [:]
        for name in names {
            guard let parsed = AuditFileName(name) else { continue }
            let fileURL = url.appendingPathComponent(name)
            let size = (try? FileManager.default.attributesOfItem(atPath: fileURL.path)[.size] as? Int) ?? 0
            let key = parsed.uncompressed
            if parsed.compressed, files[key] != nil { continue }
            files[key] = File(name: parsed, url: fileURL, size: size)
        }
        return Dictionary(grouping: files.values.sorted { $0.name < $1.name }, by: \.name.stream)
    }
}
