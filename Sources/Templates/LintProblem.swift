/// One thing wrong with a template file: where, and why.
public struct LintProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `file:line: reason`, the form editors and CI logs link to.
    public var description: String { "\(file):\(line): \(reason)" }
}

/// A template set refused as a whole, with every problem found.
public struct TemplateSetError: Error, Sendable, CustomStringConvertible {
    public var problems: [LintProblem]

    public init(problems: [LintProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
