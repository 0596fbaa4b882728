import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Templates

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the hook host (embedded defaults: ./templates, ./data, port 3000).")

    @Option(help: "Template directory (default ./templates, or PUSHCOMPOSE_TEMPLATES).")
    var templates: String?

    @Option(help: "Data directory for state and audit log (default ./data, or PUSHCOMPOSE_DATA).")
    var data: String?

    @Option(help: "Optional YAML configuration file; environment variables override it.")
    var config: String?

    func run() async throws {
        var configuration = try ServerConfiguration.forCommand(file: config)
        if let templates { configuration.templates = templates }
        if let data { configuration.data = data }

        var logger = Logger(label: "pushcompose")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let server: PushComposeServer
        do {
            server = try await PushComposeServer(configuration: configuration, logger: logger)
        } catch let error as TemplateSetError {
            printError("pushcompose: the templates in \(configuration.templates) do not load:\n\(error.description)")
            throw ExitCode.failure
        } catch {
            printError("pushcompose: \(error)")
            throw ExitCode.failure
        }
        // Each connection holds a descriptor: a low soft limit would let idle sockets exhaust them.
        let openFiles = OpenFileLimit.raiseToHardLimit()
        logger.info(openFiles.after == openFiles.before
            ? "open-files limit \(openFiles.after)" : "open-files limit raised from \(openFiles.before) to \(openFiles.after)")
        if !server.secured {
            // Standard error is unbuffered: the warning shows at once, before the server's log.
            printError("pushcompose: UNSECURED: no LEANCLOUD_APP_* secrets are set, so every request is admitted; listening on 127.0.0.1 only")
        }
        do {
            try await server.makeApplication().runService()
            await server.storage.close()
        } catch let error as ServerConfiguration.Error {
            await server.storage.close()
            printError("pushcompose: \(error)")
            throw ExitCode.failure
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
