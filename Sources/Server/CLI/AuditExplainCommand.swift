import ArgumentParser
import AuditLog
import Foundation
import PushCompose

/// `pushcompose audit explain`: what happened to one receiver for one hook call, in words.
struct AuditExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Tell what happened to a receiver for a hook call: template, variant, muted or forced, route, device, attempts, final state.",
        discussion: "Reads every audit file (a call id tells no time). Exits 1 when the call is not in the log or the receiver was not in it.")

    @OptionGroup var location: AuditDirectoryOptions

    @Option(help: "The receiver's client id.") var receiver: String
    @Option(help: "The hook call id (the `call` of its records).") var call: String
    @Flag(help: "Print the explanation's members as JSON, its words under \"text\".") var json = false

    func validate() throws {
        if receiver.isEmpty { throw ValidationError("--receiver must not be empty") }
        if call.isEmpty { throw ValidationError("--call must not be empty") }
    }

    func run() throws {
        let search = AuditSearch(directory: try location.directory())
        let explanation: AuditExplanation
        do {
            explanation = try AuditExplanation.explain(receiver: receiver, call: call, in: search)
        } catch {
            printError("pushcompose: \(error)")
            throw ExitCode.failure
        }
        print(json ? JSONEncoding.string(explanation.json) : explanation.text)
        if explanation.outcome != .explained { throw ExitCode.failure }
    }
}
