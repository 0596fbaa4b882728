/// A conversation id pattern of `match.conversations`: `*` stands for any run of
/// characters, `?` for exactly one. Classified at load so the common shapes (an exact
/// id, `prefix-*`) cost a comparison per message rather than a wildcard walk.
struct ConversationPattern: Sendable {
    private enum Shape: Sendable {
        case exact(String)
        case prefix(String)
        case wildcard([Unicode.Scalar])
    }

    private let shape: Shape

    init(_ pattern: String) {
        let wildcards = pattern.filter { $0 == "*" || $0 == "?" }
        if wildcards.isEmpty {
            shape = .exact(pattern)
        } else if wildcards == "*" && pattern.hasSuffix("*") {
            shape = .prefix(String(pattern.dropLast()))
        } else {
            shape = .wildcard(Array(pattern.unicodeScalars))
        }
    }

    func matches(_ id: String) -> Bool {
        switch shape {
        case .exact(let text): return id == text
        case .prefix(let prefix): return id.hasPrefix(prefix)
        case .wildcard(let pattern): return Self.wildcardMatch(pattern, Array(id.unicodeScalars))
        }
    }

    private static func wildcardMatch(_ p: [Unicode.Scalar], _ t: [Unicode.Scalar]) -> Bool {
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
