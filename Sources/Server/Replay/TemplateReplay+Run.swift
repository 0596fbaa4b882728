import Foundation
import PushCompose
import Templates

extension TemplateReplay {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// What `pushcompose replay` does before printing: loads the template set at
    /// `templates` (a set with lint errors is refused: `TemplateSetError` names its
    /// problems) and serve's composer options, then replays the hook records of the data
    /// directory's audit log. On a thread of its own: the reads block, and loading a set
    /// recurses per level of nesting, as on a command line's main thread.
    static func run(
        configuration: ServerConfiguration, templates: URL, since: String?, until: String?, limit: Int?, examples: Int
    ) async throws -> ReplayReport {
        let audit = URL(fileURLWithPath: configuration.data).appendingPathComponent("audit")
        return try await onThreadOfItsOwn {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: audit.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw Failure(description: "no audit log in \(audit.path)")
            }
            let set = try TemplateSet.load(directory: templates, options: configuration.composerOptions)
            let replay = TemplateReplay(
                templates: set, options: try configuration.servedComposerOptions(), since: since, until: until, limit: limit,
                examples: examples)
            return try replay.run(auditDirectory: audit)
        }
    }

    private static let stackBytes = 8 << 20

    private static func onThreadOfItsOwn<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.name = "pushcompose.replay"
            thread.stackSize = stackBytes
            thread.start()
        }
    }
}
