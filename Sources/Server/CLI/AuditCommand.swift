import ArgumentParser

/// `pushcompose audit …`: the audit log of a data directory, searched, explained and verified.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Search, explain and verify the audit log (the data directory's audit/ folder).",
        subcommands: [AuditFindCommand.self, AuditExplainCommand.self, AuditVerifyCommand.self])
}
