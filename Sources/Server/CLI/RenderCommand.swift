import ArgumentParser
import Foundation
import PushCompose
import Templates

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the answer serve would give (the JSON under \"result\") to a _receiversOffline body.")

    @Option(help: "Template directory.")
    var templates = "templates"

    @Option(help: "Data directory whose directory of names and locales to use; none by default.")
    var data: String?

    @Option(help: "Optional YAML configuration file (default locale, payload limit, fail-open).")
    var config: String?

    @Argument(help: "The hook body, a JSON file ('-' for standard input).")
    var body: String

    func run() throws {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
        let bytes: Data
        if body == "-" {
            bytes = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let data = FileManager.default.contents(atPath: body) else { throw ValidationError("cannot read \(body)") }
            bytes = data
        }
        let set: TemplateSet
        do {
            set = try TemplateSet.load(directory: URL(fileURLWithPath: templates), options: configuration.composerOptions)
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
        var directory: any ComposeDirectory = EmptyDirectory()
        if let data {
            directory = try Directory(store: try SQLiteStateStore(directory: URL(fileURLWithPath: data)))
        }
        let hook: ReceiversOfflineHook
        do {
            hook = try ReceiversOfflineHook(HookParameters(body: bytes), maxPeers: configuration.maxPeers)
        } catch {
            printError("\(body): \(error.description)")
            throw ExitCode.failure
        }
        let plan = Composer(catalog: set, directory: directory, options: configuration.composerOptions).compose(hook)
        print(JSONEncoding.string(plan.answer.json))
    }
}
