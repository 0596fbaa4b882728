import ArgumentParser
import Foundation
import Templates

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint", abstract: "Check a template directory; print file:line: reason per problem.")

    @Argument(help: "Template directory.")
    var directory = "templates"

    func run() throws {
        do {
            let set = try TemplateSet.load(directory: URL(fileURLWithPath: directory))
            print("\(directory): \(set.templates.count) templates OK (\(set.templates.map(\.name).joined(separator: ", ")))")
        } catch {
            print(error.description)
            throw ExitCode.failure
        }
    }
}
