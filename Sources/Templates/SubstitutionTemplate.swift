import Mustache

/// A template that is only text and variable tags (`{{a.b}}`, `{{{a.b}}}`, `{{& a.b}}`),
/// as nearly every push template is, rendered by direct lookups.
///
/// swift-mustache parses and validates every template and renders all others; for this
/// subset its output is plain substitution (the content type is text, so nothing is
/// escaped), and its general variable lookup — a name split and several dynamic casts
/// per tag — was a third of the composer's time. Output is the same by construction
/// and checked against swift-mustache in SubstitutionTemplateTests.
struct SubstitutionTemplate: Sendable {
    private enum Segment: Sendable {
        case text(String)
        case variable([String])
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
            segments.append(.variable(name.split(separator: ".").map(String.init)))
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
            case .text(let text):
                out += text
            case .variable(let path):
                var value: Any? = context
                for name in path {
                    guard let parent = value as? MustacheParent else {
                        value = nil
                        break
                    }
                    value = parent.child(named: name)
                }
                out += Self.text(of: value)
            }
        }
        return out
    }

    /// What swift-mustache prints for a value: a string as it is, nothing for a missing
    /// value, otherwise its description.
    private static func text(of value: Any?) -> String {
        guard let value else { return "" }
        if let string = value as? String { return string }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return "" }
            return text(of: wrapped)
        }
        return String(describing: value)
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
