import ArgumentParser
import Foundation

/// Where `audit find` and `audit explain` read: the data directory's `audit/`.
struct AuditDirectoryOptions: ParsableArguments {
    @Option(help: "Data directory whose audit/ folder to read (default: the one serve would use).")
    var data: String?

    @Option(help: "Optional YAML configuration file, the same as serve's.")
    var config: String?

    /// The audit folder; a usage error when it does not exist. Says on standard error when
    /// a stopped server left records in a journal that the files do not have yet.
    func directory() throws -> URL {
        let data = try data ?? ServerConfiguration.forCommand(file: config).data
        let directory = URL(fileURLWithPath: data).appendingPathComponent("audit")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("no audit log in \(data) (serve writes it to \(directory.path))")
        }
        for note in Self.unwrittenJournalNotes(directory) { printError(note) }
        return directory
    }

    /// One line per journal of the folder that holds records a stopped server answered
    /// and did not write to the files.
    static func unwrittenJournalNotes(_ directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0 == ".journal" || $0.hasPrefix(".journal-") }.sorted().compactMap { name in
            let path = directory.appendingPathComponent(name).path
            do {
                guard let count = try AuditJournal.unwrittenRecords(path: path), count > 0 else { return nil }
                return "(\(path) holds \(count) record\(count == 1 ? "" : "s") a stopped server answered but did not write to the files yet: written when it starts again, not seen here until then)"
            } catch {
                return "(\(path) could not be read: \(error))"
            }
        }
    }
}
