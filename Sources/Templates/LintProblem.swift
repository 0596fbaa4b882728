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

    /// The problems by file, then line.
    public init(problems: [LintProblem]) {
        self.problems = problems.enumerated().sorted { a, b in
            (a.element.file, a.element.line, a.offset) < (b.element.file, b.element.line, b.offset)
        }.map(\.element)
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
