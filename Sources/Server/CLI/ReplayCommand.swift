import ArgumentParser
import AuditLog
import Foundation
import PushCompose
import Templates

/// `pushcompose replay`: recorded hook calls composed again with another template set,
/// and what would change for their receivers.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Compose recorded hook calls (auditText: full) again with another template set and report what would change.")

    @Option(help: "The template set to replay with (it must lint without errors).")
    var templates: String

    @Option(help: "Data directory whose audit log to read (default: the one serve would use).")
    var data: String?

    @Option(help: "Optional YAML configuration file: serve's default locale, payload limits and providers.")
    var config: String?

    @Option(help: "Calls recorded since then: \(PointInTime.help).")
    var since: String?

    @Option(help: "Calls recorded before then: \(PointInTime.help).")
    var until: String?

    @Option(help: "Replay at most this many calls (the oldest in the range).")
    var limit: Int?

    @Option(help: "Before/after examples shown per recorded template.")
    var examples = 3

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() async throws {
        var configuration = try ServerConfiguration.forCommand(file: config)
        if let data { configuration.data = data }
        let now = Date().timeIntervalSince1970
        let since = try since.map { try Self.time($0, option: "--since", now: now) }
        let until = try until.map { try Self.time($0, option: "--until", now: now) }
        if let since, let until, since >= until { throw ValidationError("--since must be before --until") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard examples >= 0 else { throw ValidationError("--examples must be 0 or more") }
        let report: ReplayReport
        do {
            report = try await TemplateReplay.run(
                configuration: configuration, templates: URL(fileURLWithPath: templates), since: since, until: until, limit: limit,
                examples: examples)
        } catch let error as TemplateSetError {
            printError("\(templates): the template set has errors; nothing was replayed\n\(error.description)")
            throw ExitCode.failure
        } catch let error as TemplateReplay.Failure {
            printError(error.description)
            throw ExitCode.failure
        }
        if json {
            print(JSONEncoding.string(report.json))
        } else {
            print(report.text, terminator: "")
        }
    }

    /// An option's time as records write it.
    private static func time(_ text: String, option: String, now: Double) throws -> String {
        guard let seconds = PointInTime.parse(text, now: now) else { throw ValidationError("\(option) must be \(PointInTime.help)") }
        return AuditTime.text(Date(timeIntervalSince1970: seconds))
    }
}
