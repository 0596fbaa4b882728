import ArgumentParser

struct PushComposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pushcompose",
        abstract: "Composes the offline pushes of an IM app from templates, behind the _receiversOffline hook.",
        subcommands: [ServeCommand.self, RenderCommand.self, LintCommand.self, QueueCommand.self, AuditCommand.self, ExperimentCommand.self, MigrateCommand.self, ReplayCommand.self],
        defaultSubcommand: ServeCommand.self)
}
