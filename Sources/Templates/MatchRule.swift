import PushCompose

/// Which messages a template applies to. Every criterion given must hold; within one,
/// any listed value will do. An empty rule matches every message.
struct MatchRule: Sendable {
    /// Conversation ids, with `*` and `?` wildcards.
    var conversations: [String] = []
    var system: Bool?
    /// Kind names (`text`, `image`, … `app`).
    var kinds: Set<String> = []
    /// `_lctype` values.
    var types: Set<Int> = []
    /// `_lcattrs` values: each key must have one of the listed values.
    var attrs: [(key: String, values: [String])] = []

    var isEmpty: Bool {
        conversations.isEmpty && system == nil && kinds.isEmpty && types.isEmpty && attrs.isEmpty
    }

    func matches(_ facts: MessageFacts) -> Bool {
        if !conversations.isEmpty, !conversations.contains(where: { Self.glob($0, matches: facts.conversationId) }) {
            return false
        }
        if let system, system != facts.isSystemConversation { return false }
        if !kinds.isEmpty, !kinds.contains(facts.content.kind.name) { return false }
        if !types.isEmpty {
            guard let code = facts.content.typeCode, types.contains(code) else { return false }
        }
        for (key, values) in attrs {
            guard let value = facts.content.attr(key), values.contains(value.plainText) else { return false }
        }
        return true
    }

    /// Shell-style wildcard match: `*` any run of characters, `?` exactly one.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        if !pattern.contains("*") && !pattern.contains("?") { return pattern == text }
        let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
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
