import ArgumentParser
import AuditLog
import Foundation

/// `pushcompose audit find`: the records matching every filter given, oldest first (or
/// newest first), printed as they are found; the same search as `GET /v1/audit`.
struct AuditFindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find",
        abstract: "Search the audit log: a table, or the records as stored (JSON lines) with --json.",
        discussion: """
            Every filter given must hold. --receiver matches a record naming the receiver (a hook listing them in any \
            route, an exposure, a delivery event, their own mute); --push a push's hook, exposure and delivery events \
            (the built-in push's id is the call's); --status an attempt's outcome (delivered, retry, device_gone, failed) \
            or HTTP status, a delivery event's kind (queued, delivered, dead, deviceRemoved, leaseLost), an exposure's \
            status (exposed, notExposed, overridden) or a rejected call's HTTP status. --since is inclusive, --until exclusive.
            """)

    @OptionGroup var location: AuditDirectoryOptions

    @Option(help: "A client id the records name as a receiver.") var receiver: String?
    @Option(help: "A conversation id.") var conversation: String?
    @Option(help: "A push id.") var push: String?
    @Option(help: "A hook call id.") var call: String?
    @Option(help: "A template name (the selected one or a group's).") var template: String?
    @Option(help: "An experiment name.") var experiment: String?
    @Option(help: "A record kind: \(AuditRecordKind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: String?
    @Option(help: "An outcome or status (see below).") var status: String?
    @Option(help: "Records at or after then: \(PointInTime.help).") var since: String?
    @Option(help: "Records before then: the same forms as --since.") var until: String?
    @Option(help: "At most this many records.") var limit: Int = AuditQuery.defaultLimit
    @Flag(help: "The newest records first: --limit keeps the latest ones.") var newestFirst = false
    @Flag(help: "Print each record as stored (a JSON line) instead of a table.") var json = false

    func run() throws {
        var values: [String: String] = ["limit": String(limit), "order": (newestFirst ? AuditOrder.newestFirst : .oldestFirst).rawValue]
        let given = [
            ("receiver", receiver), ("conversation", conversation), ("push", push), ("call", call), ("template", template),
            ("experiment", experiment), ("kind", kind), ("status", status), ("since", since), ("until", until),
        ]
        for case let (name, value?) in given { values[name] = value }
        let query: AuditQuery
        do {
            query = try AuditQueryInput(values: values).query(now: Date(), limits: 1...Int.max)
        } catch {
            throw ValidationError("--\(error.name) \(error.reason)")
        }
        let search = AuditSearch(directory: try location.directory())
        let output = FileHandle.standardOutput
        if !json { output.write(Data((AuditRecordRow.header + "\n").utf8)) }
        var count = 0
        let more: Bool
        do {
            more = try search.run(query) { record in
                count += 1
                output.write(Data(((json ? record.text : AuditRecordRow.text(record)) + "\n").utf8))
            }
        } catch {
            printError("pushcompose: \(error)")
            throw ExitCode.failure
        }
        if more {
            printError("(more records match: the \(newestFirst ? "latest" : "first") \(count) are shown; raise --limit or narrow the search)")
        } else if count == 0 {
            printError("(no records match)")
        }
    }
}
