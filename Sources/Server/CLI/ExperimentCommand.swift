import ArgumentParser
import Experiments
import Foundation
import Logging
import PostgresStorage
import PushCompose
import SQLiteStorage
import Storage
import Templates

/// `pushcompose ab …`: the experiments the templates declare, with what the store counted
/// (the data directory's, or the configured database's); the same as `/v1/experiments`.
struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ab",
        abstract: "List A/B experiments, report one, and force a variant on a unit for QA.",
        discussion: """
            Reads the experiments from the template directory and their exposures and opens from the data \
            directory's \(SQLiteExperimentStore.fileName), or from the PostgreSQL database when one is configured.
            """,
        subcommands: [List.self, Report.self, Override.self])

    struct Options: ParsableArguments {
        @Option(help: "Data directory whose experiments to read (default: the one serve would use).")
        var data: String?

        @Option(help: "Template directory (default: the one serve would use).")
        var templates: String?

        @Option(help: "Optional YAML configuration file, the same as serve's.")
        var config: String?

        @Flag(help: "Print JSON, as the admin API answers, instead of a table.")
        var json = false

        func catalog() async throws -> ExperimentCatalog {
            let configuration = try ServerConfiguration.forCommand(file: config)
            let set: TemplateSet
            do {
                set = try TemplateSet.load(directory: URL(fileURLWithPath: templates ?? configuration.templates), options: configuration.composerOptions)
            } catch {
                printError("pushcompose: the templates do not load:\n\(error.description)")
                throw ExitCode.failure
            }
            return ExperimentCatalog(set: set, store: try await store(configuration))
        }

        private func store(_ configuration: ServerConfiguration) async throws -> any ExperimentStore {
            if data == nil, let url = configuration.database {
                let database = try await PostgresDatabase.openWithoutMigrating(url: try PostgresURL(url), logger: Logger(label: "pushcompose.ab"))
                return PostgresExperimentStore(database: database, instanceId: "pushcompose-ab-command")
            }
            let directory = URL(fileURLWithPath: data ?? configuration.data)
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(SQLiteExperimentStore.fileName).path) else {
                printError("pushcompose: no experiments in \(directory.path) (serve creates \(SQLiteExperimentStore.fileName) there)")
                throw ExitCode.failure
            }
            let store = try SQLiteExperimentStore(directory: directory)
            // The first read counts them (see the store): after a saturating load that takes a while.
            let uncounted = store.uncountedReceivers
            if uncounted >= 100_000 {
                printError("pushcompose: counting \(uncounted) recorded exposures first")
            }
            return store
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Experiments with their state, receivers per variant and verdict.")

        @OptionGroup var options: Options

        func run() async throws {
            let catalog = try await options.catalog()
            let now = Date().timeIntervalSince1970
            let reports = try await catalog.list(now: now)
            print(options.json ? JSONEncoding.string(.object([(key: "experiments", value: catalog.listJSON(reports, now: now))])) : catalog.listText(reports, now: now))
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per variant: pushes, receivers, opens, open rate with its 95% interval, lift and p-value; then the verdict.")

        @OptionGroup var options: Options

        @Argument(help: "The experiment's name.")
        var name: String

        @Option(help: "Count only pushes since then: \(PointInTime.help).")
        var since: String?

        func run() async throws {
            let now = Date().timeIntervalSince1970
            var start: Double?
            if let since {
                guard let time = PointInTime.parse(since, now: now) else { throw ValidationError("--since must be \(PointInTime.help)") }
                start = time
            }
            let catalog = try await options.catalog()
            do {
                let report = try await catalog.report(name, since: start, now: now)
                print(options.json ? try ExperimentCatalog.json(report) : report.text())
            } catch let error as ExperimentCatalog.UnknownExperiment {
                printError("pushcompose: \(error.description)")
                throw ExitCode.failure
            }
        }
    }

    struct Override: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Force a variant on a receiver or conversation (QA; excluded from the statistics), or --remove it.",
            discussion: "A running server reads overrides it did not set itself only at start (SQLite) or when announced (PostgreSQL): set them through the admin API while it runs.")

        @OptionGroup var options: Options

        @Argument(help: "The experiment's name.")
        var name: String

        @Argument(help: "The unit: a receiver's client id, or a conversation id for a conversation-unit experiment.")
        var unit: String

        @Argument(help: "The variant to force.")
        var variant: String?

        @Flag(help: "Remove the unit's override instead.")
        var remove = false

        func run() async throws {
            let catalog = try await options.catalog()
            let design: ExperimentDesign
            do {
                design = try catalog.design(name)
            } catch {
                printError("pushcompose: \(error.description)")
                throw ExitCode.failure
            }
            if remove {
                let removed = try await catalog.store.removeOverride(experiment: name, unit: unit)
                print(removed ? "removed the override of \(unit)" : "\(unit) had no override")
                return
            }
            guard let variant, design.variants.contains(where: { $0.name == variant }) else {
                throw ValidationError("give one of the variants: \(design.variants.map(\.name).joined(separator: ", "))")
            }
            try await catalog.store.setOverride(ExperimentOverride(experiment: name, unit: unit, variant: variant, createdAt: Date().timeIntervalSince1970))
            print("\(unit) gets variant \(variant) of \(name)")
        }
    }
}
