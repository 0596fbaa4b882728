import Crypto
import Foundation

/// The key of `auditText: hash`: the configured one (`auditKey`), else one generated at
/// first use and kept in `audit.key` in the data directory (readable by its owner only),
/// so that a text hashes the same across restarts. A key is the UTF-8 of its text; the
/// generated one is 64 hex digits (32 random bytes), so it can be moved into the
/// configuration as it is. Never logged.
enum AuditHashKey {
    static let fileName = "audit.key"
    /// Characters a key must have at least.
    static let minimumLength = 16

    static func resolve(configured: String, data: URL) throws -> [UInt8] {
        if !configured.isEmpty { return Array(configured.utf8) }
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let file = data.appendingPathComponent(fileName)
        try generateUnlessKept(at: file)
        return try read(file)
    }

    private static func generateUnlessKept(at file: URL) throws {
        guard let created = try AppendOnlyFile(creatingNew: file.path, permissions: 0o600) else { return }
        defer { created.close() }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        try created.append(Array((AuditTextPolicy.hexDigits(bytes) + "\n").utf8))
        try created.sync()
    }

    static func read(_ file: URL) throws -> [UInt8] {
        let text = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count >= minimumLength else {
            throw AuditHashKeyError(description: "\(file.path) holds no usable audit key (under \(minimumLength) characters): delete it to have a new one generated; hashes made with the old key will no longer match")
        }
        return Array(text.utf8)
    }
}

struct AuditHashKeyError: Error, CustomStringConvertible {
    var description: String
}
