import ArgumentParser
import Foundation

extension ServerConfiguration {
    /// The configuration every command reads: the optional file, then the environment.
    /// A problem is a usage error, printed by the argument parser.
    static func forCommand(file: String?) throws -> ServerConfiguration {
        do {
            return try load(file: file, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
