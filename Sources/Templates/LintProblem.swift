/// One thing wrong with a template file: where, and why.
public struct LintProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: Sendable, Equatable {
        /// The set is refused.
        case error
        /// The set loads; the template may not do what its author expects.
        case warning
    }

    public var file: String
    public var line: Int
    public var reason: String
    public var severity: Severity

    public init(file: String, line: Int, reason: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.reason = reason
        self.severity = severity
    }

    public var isError: Bool { severity == .error }

    /// `file:line: reason` (`file:line: warning: reason` for a warning), the form editors
    /// and CI logs link to.
    public var description: String {
        switch severity {
        case .error: return "\(file):\(line): \(reason)"
        case .warning: return "\(file):\(line): warning: \(reason)"
        }
    }
}

/// A template set refused as a whole, with every problem found (its warnings too).
public struct TemplateSetError: Error, Sendable, CustomStringConvertible {
    public var problems: [LintProblem]

    /// The problems by file, then line.
    public init(problems: [LintProblem]) {
        self.problems = problems.enumerated().sorted { a, b in
            (a.element.file, a.element.line, a.offset) < (b.element.file, b.element.line, b.offset)
        }.map(\.element)
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
