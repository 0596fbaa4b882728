import Mustache
import PushCompose

/// A template that is only text and variable tags (`{{a.b}}`, `{{{a.b}}}`, `{{& a.b}}`),
/// as nearly every push template is, rendered by direct lookups.
///
/// swift-mustache parses and validates every template and renders all others; for this
/// subset its output is plain substitution (the content type is text, so nothing is
/// escaped), and its general variable lookup — a name split and several dynamic casts
/// per tag — was a third of the composer's time. The variables of the template
/// reference are resolved to a field once, here, so a render reads them without casts.
/// Output is the same by construction and checked against swift-mustache in
/// SubstitutionTemplateTests.
struct SubstitutionTemplate: Sendable {
    private enum Segment: Sendable {
        case text(String)
        case variable(Variable)
    }

    /// A tag's value: one of the reference's fields, or (for `message.attrs.*` and
    /// names the reference lacks) a path looked up the general way.
    private enum Variable: Sendable {
        case field(RenderField)
        case path([String])
    }

    private let segments: [Segment]

    /// nil when `source` has any tag other than a plain variable (sections, partials,
    /// comments, delimiters, pragmas, transforms, implicit `.`).
    init?(_ source: String) {
        var segments: [Segment] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { segments.append(.text(String(rest[..<open.lowerBound]))) }
            var tag = rest[open.upperBound...]
            let closing: String
            if tag.first == "{" {
                tag = tag.dropFirst()
                closing = "}}}"
            } else {
                if tag.first == "&" { tag = tag.dropFirst() }
                closing = "}}"
            }
            guard let close = tag.range(of: closing) else { return nil }
            let name = tag[..<close.lowerBound].trimmingSpaces()
            guard !name.isEmpty, name.allSatisfy(Self.isNameCharacter), !name.hasPrefix("."), !name.hasSuffix("."),
                  !name.contains("..")
            else { return nil }
            segments.append(.variable(RenderField(rawValue: String(name)).map(Variable.field) ?? .path(name.split(separator: ".").map(String.init))))
            rest = tag[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.text(String(rest))) }
        self.segments = segments
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "-" || c == "."
    }

    func render(_ context: RenderContext) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let text): out += text
            case .variable(let variable): out += Self.text(of: variable, in: context.input)
            }
        }
        return out
    }

    private static func text(of variable: Variable, in input: RenderInput) -> String {
        switch variable {
        case .field(let field): return field.text(in: input)
        case .path(let path):
            var value: Any? = RenderContext(input: input)
            for name in path {
                guard let parent = value as? MustacheParent else {
                    value = nil
                    break
                }
                value = parent.child(named: name)
            }
            return RenderContext.text(of: value)
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
