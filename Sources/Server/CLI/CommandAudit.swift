import AuditLog
import Foundation
import Logging

/// The audit records of what commands change (`queue retry`, `queue purge`): appended to
/// the data directory's audit log in a stream of their own, `cli`
/// (`audit-cli-YYYY-MM-DD.jsonl`), sealed into a chain of its own with the same key. The
/// server's writer owns its stream's chain, so a second process appending there would
/// fork it; `audit verify` and `audit find` read every stream. Commands take turns on
/// the stream through a lock file, so two run at once do not fork the command chain.
enum CommandAudit {
    static let stream = "cli"
    static let lockFileName = ".cli.lock"

    /// Appends `line` and returns once it is on the disk.
    static func record(_ line: AuditLine, configuration: ServerConfiguration, data: URL) async throws {
        let logger = Logger(label: "pushcompose.cli.audit")
        let directory = data.appendingPathComponent("audit")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let lock = try StreamLock(path: directory.appendingPathComponent(lockFileName).path)
        defer { lock.release() }
        let log = try JSONLinesAuditLog(
            directory: directory, stream: stream, maxFileBytes: configuration.auditMaxFileBytes, fsyncInterval: .zero,
            chain: try PushComposeServer.auditChain(configuration, data: data, logger: logger),
            retention: configuration.auditRetention, logger: logger)
        await log.record([line])
        await log.close()
        await log.maintenanceSettled()
    }

    /// An exclusive flock(2) on a file beside the stream, held until released (or the
    /// process ends).
    private struct StreamLock {
        private let descriptor: Int32

        init(path: String) throws {
            descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw AuditFileError("open", path) }
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(descriptor)
                    throw AuditFileError("lock", path)
                }
            }
        }

        func release() {
            close(descriptor)
        }
    }
}
