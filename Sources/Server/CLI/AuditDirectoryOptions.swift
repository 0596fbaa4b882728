import ArgumentParser
import Foundation

/// Where `audit find` and `audit explain` read: the data directory's `audit/`.
struct AuditDirectoryOptions: ParsableArguments {
    @Option(help: "Data directory whose audit/ folder to read (default: the one serve would use).")
    var data: String?

    @Option(help: "Optional YAML configuration file, the same as serve's.")
    var config: String?

    /// The audit folder; a usage error when it does not exist.
    func directory() throws -> URL {
        let data = try data ?? ServerConfiguration.forCommand(file: config).data
        let directory = URL(fileURLWithPath: data).appendingPathComponent("audit")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("no audit log in \(data) (serve writes it to \(directory.path))")
        }
        return directory
    }
}
