import ArgumentParser
import Foundation
import Templates

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint", abstract: "Check a template directory; print file:line: reason per problem.")

    @Argument(help: "Template directory (default: the one serve would load).")
    var directory: String?

    @Option(help: "Optional YAML configuration file: lint checks against the same payload limit and default locale as serve.")
    var config: String?

    func run() throws {
        let configuration = try ServerConfiguration.forCommand(file: config)
        let directory = directory ?? configuration.templates
        do {
            let set = try TemplateSet.load(directory: URL(fileURLWithPath: directory), options: configuration.composerOptions)
            set.warnings.forEach { print($0) }
            print("\(directory): \(set.templates.count) templates OK (\(set.templates.map(\.name).joined(separator: ", ")))")
        } catch {
            print(error.description)
            throw ExitCode.failure
        }
    }
}
