import ArgumentParser
import Foundation
import Logging
import PostgresStorage

/// `pushcompose migrate`: brings the configured PostgreSQL database to this release's
/// schema and exits, for teams that migrate before they deploy. `serve` does the same
/// at start (under the same advisory lock), so running it is never required.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending PostgreSQL migrations (database, PUSHCOMPOSE_DATABASE_URL) and exit.",
        discussion: "SQLite needs no such step: serve creates and migrates its files in the data directory.")

    @Option(help: "Optional YAML configuration file, the same as serve's.")
    var config: String?

    @Option(help: "The database URL (default: the configuration's database).")
    var database: String?

    func run() async throws {
        let configuration = try ServerConfiguration.forCommand(file: config)
        guard let text = database ?? configuration.database else {
            printError("pushcompose: no PostgreSQL database is configured (database, PUSHCOMPOSE_DATABASE_URL, or --database)")
            throw ExitCode.failure
        }
        let url: PostgresURL
        do {
            url = try PostgresURL(text)
        } catch {
            printError("pushcompose: \(error)")
            throw ExitCode.failure
        }
        do {
            let database = try await PostgresDatabase.openWithoutMigrating(url: url, logger: Logger(label: "pushcompose.migrate"))
            let applied: [String]
            do {
                applied = try await database.migrate()
                await database.close()
            } catch {
                await database.close()
                throw error
            }
            print(applied.isEmpty ? "the database is up to date" : applied.map { "applied \($0)" }.joined(separator: "\n"))
        } catch {
            printError("pushcompose: migrating \(PostgresURL.redacted(text)) failed: \(String(reflecting: error))")
            throw ExitCode.failure
        }
    }
}
