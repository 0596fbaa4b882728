import Yams

/// Composes YAML in which anchors and aliases are refused, without ever expanding them.
///
/// Yams resolves an alias to the anchored node, shared, and anything that walks the tree
/// then pays for every expansion, Yams' own duplicate-key check (it hashes keys) first:
/// a few hundred bytes of nested aliases ("billion laughs") cost minutes and gigabytes.
/// Yams offers no event stream to look at before it composes, so the text is checked
/// first, in one pass:
///
/// libyaml reads `&` or `*` as an anchor or alias only where a token starts (at the start
/// of the text, after whitespace or a line break, or right after one of `[ ] { } , ? : " '`)
/// and only when a name character follows. Each such candidate is overwritten with a
/// marker character that starts a plain scalar instead. The marked text has no anchor, so
/// it composes in linear time, and every candidate that was an anchor or alias is now a
/// plain scalar starting with the marker; any other (inside quotes, a comment, a block
/// scalar, or the middle of a plain scalar) is text as before. Only a text found to have
/// none is composed as written.
enum AnchorFreeYAML {
    /// Anchors or aliases were found, on these lines.
    struct AnchorsFound: Error {
        var lines: [Int]
    }

    /// Starts a plain scalar and is no indicator. A text that itself starts a plain
    /// scalar with it is refused as if it were an alias; no template does.
    static let marker: Unicode.Scalar = "\u{E000}"

    /// The root node of `yaml`'s single document (nil when it is empty).
    static func compose(_ yaml: String) throws -> Node? {
        let scalars = Array(yaml.unicodeScalars)
        let candidates = candidates(in: scalars)
        if candidates.isEmpty { return try Yams.compose(yaml: yaml) }

        let marked: Node?
        do {
            marked = try Yams.compose(yaml: text(scalars, replacing: candidates, anchorsWith: marker))
        } catch {
            // An anchor on a block collection (`push: &p` then indented lines) leaves the
            // marked text unparseable; as a tag it keeps its shape, and names the line.
            let tagged = try? Yams.compose(yaml: text(scalars, replacing: candidates, anchorsWith: "!"))
            let anchors = Set(candidates.filter { scalars[$0] == "&" }.map { "!" + name(in: scalars, after: $0) })
            let lines = tagged.map { markedLines(in: $0, taggedWith: anchors) } ?? []
            if !lines.isEmpty { throw AnchorsFound(lines: lines) }
            throw error
        }
        let lines = marked.map { markedLines(in: $0, taggedWith: []) } ?? []
        guard lines.isEmpty else { throw AnchorsFound(lines: lines) }
        return try Yams.compose(yaml: yaml)
    }

    /// Indices of the `&` and `*` that libyaml could read as an anchor or alias.
    static func candidates(in scalars: [Unicode.Scalar]) -> [Int] {
        scalars.indices.filter { index in
            (scalars[index] == "&" || scalars[index] == "*")
                && (index == 0 || mayPrecedeToken(scalars[index - 1]))
                && index + 1 < scalars.count && isNameCharacter(scalars[index + 1])
        }
    }

    /// Whitespace, line breaks (libyaml's five), the byte order mark, and the characters
    /// after which libyaml may start a token without whitespace.
    private static func mayPrecedeToken(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}", "\u{FEFF}", "\0",
             "[", "]", "{", "}", ",", "?", ":", "\"", "'":
            return true
        default:
            return false
        }
    }

    /// libyaml's anchor name characters.
    private static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "0"..."9", "A"..."Z", "a"..."z", "_", "-": return true
        default: return false
        }
    }

    private static func name(in scalars: [Unicode.Scalar], after index: Int) -> String {
        var name = String.UnicodeScalarView()
        for scalar in scalars[(index + 1)...] {
            guard isNameCharacter(scalar) else { break }
            name.append(scalar)
        }
        return String(name)
    }

    /// The text with each candidate `*` replaced by the marker and each candidate `&` by `anchor`.
    private static func text(_ scalars: [Unicode.Scalar], replacing candidates: [Int], anchorsWith anchor: Unicode.Scalar) -> String {
        var copy = scalars
        for index in candidates {
            copy[index] = copy[index] == "&" ? anchor : marker
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: copy)
        return String(view)
    }

    /// Lines of plain scalars that start with the marker, and of nodes tagged with one
    /// of `tags`, keys included. The tree has no aliases, so this visits each node once.
    private static func markedLines(in node: Node, taggedWith tags: Set<String>) -> [Int] {
        var lines: [Int] = []
        func visit(_ node: Node) {
            if !tags.isEmpty, tags.contains(node.tag.rawValue) {
                lines.append(node.mark?.line ?? 1)
            }
            switch node {
            case .scalar(let scalar):
                if scalar.style == .plain, scalar.string.unicodeScalars.first == marker {
                    lines.append(node.mark?.line ?? 1)
                }
            case .sequence(let sequence):
                sequence.forEach(visit)
            case .mapping(let mapping):
                for (key, value) in mapping {
                    visit(key)
                    visit(value)
                }
            case .alias:
                lines.append(node.mark?.line ?? 1)
            }
        }
        visit(node)
        return lines
    }
}
