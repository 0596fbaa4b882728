import ArgumentParser
import AuditLog
import Foundation
import PushCompose

/// `pushcompose audit verify`: checks the hash chain of every audit file.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the hash chain of every audit file; report the first edited, inserted, reordered or missing record of each stream.",
        discussion: """
            Needs the key the server seals with: auditKey (PUSHCOMPOSE_AUDIT_KEY), else the data directory's \
            \(AuditHashKey.fileName). Exit status 0 when the chain holds in every stream, 1 when a problem was found.
            """)

    @OptionGroup var location: AuditDirectoryOptions

    @Option(help: "Check only records since then: \(PointInTime.help); the chain is checked from the first record at or after it.")
    var since: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        var start: Date?
        if let since {
            guard let time = PointInTime.parse(since, now: Date().timeIntervalSince1970) else {
                throw ValidationError("--since must be \(PointInTime.help)")
            }
            start = Date(timeIntervalSince1970: time)
        }
        let directory = try location.directory()
        let key = try auditKey(data: directory.deletingLastPathComponent())
        let report = try AuditVerifier(directory: AuditDirectory(url: directory), chain: AuditChain(auditKey: key)).verify(since: start)
        print(json ? JSONEncoding.string(report.json) : report.text(directory: directory.path))
        if !report.holds { throw ExitCode.failure }
    }

    /// The key the server seals with; verify never makes one (a new key would verify nothing).
    private func auditKey(data: URL) throws -> [UInt8] {
        let configured = try ServerConfiguration.forCommand(file: location.config).auditKey
        if !configured.isEmpty { return Array(configured.utf8) }
        let file = data.appendingPathComponent(AuditHashKey.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ValidationError(
                "no audit key: neither auditKey (PUSHCOMPOSE_AUDIT_KEY) is configured nor \(file.path) exists; verify needs the key the server sealed the records with")
        }
        return try AuditHashKey.read(file)
    }
}
