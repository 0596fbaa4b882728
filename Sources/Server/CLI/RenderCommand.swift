import ArgumentParser
import Foundation
import Logging
import PostgresStorage
import SQLiteStorage
import PushCompose
import Templates

struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the answer serve would give (the JSON under \"result\") to a _receiversOffline body.")

    @Option(help: "Template directory (default: the one serve would load).")
    var templates: String?

    @Option(help: "Data directory whose names, locales and mutes to use (default: the one serve would use, if it exists).")
    var data: String?

    @Option(help: "Optional YAML configuration file (default locale, payload limit, fail-open).")
    var config: String?

    @Argument(help: "The hook body, a JSON file ('-' for standard input).")
    var body: String

    func run() async throws {
        let configuration = try ServerConfiguration.forCommand(file: config)
        let bytes: Data
        if body == "-" {
            bytes = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let data = FileManager.default.contents(atPath: body) else { throw ValidationError("cannot read \(body)") }
            bytes = data
        }
        let set: TemplateSet
        do {
            set = try TemplateSet.load(
                directory: URL(fileURLWithPath: templates ?? configuration.templates), options: configuration.composerOptions)
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
        // The state serve keeps, read as it is; without one every name is the id.
        var registry: any RegistryLookup = EmptyRegistry()
        let dataDirectory = URL(fileURLWithPath: data ?? configuration.data)
        if data == nil, let url = configuration.database {
            let database = try await PostgresDatabase.openWithoutMigrating(url: try PostgresURL(url), logger: Logger(label: "pushcompose.render"))
            registry = try await Registry(store: PostgresStateStore(database: database, instanceId: "pushcompose-render-command"))
            await database.close()
        } else if FileManager.default.fileExists(atPath: SQLiteStateStore.file(in: dataDirectory).path) {
            registry = try await Registry(store: try SQLiteStateStore(directory: dataDirectory))
        } else if data != nil {
            throw ValidationError("no state in \(dataDirectory.path)")
        }
        let hook: ReceiversOfflineHook
        do {
            hook = try ReceiversOfflineHook(HookParameters(body: bytes), maxPeers: configuration.maxPeers)
        } catch {
            printError("\(body): \(error.description)")
            throw ExitCode.failure
        }
        let plan = Composer(templates: set, registry: registry, options: configuration.composerOptions).compose(hook)
        print(JSONEncoding.string(plan.answer.json))
    }
}
