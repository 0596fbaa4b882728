import PushCompose

/// Which messages a template applies to. Every criterion given must hold; within one,
/// any listed value will do. An empty rule matches every message.
struct MatchRule: Sendable {
    /// Conversation ids, with `*` and `?` wildcards.
    var conversations: [ConversationPattern] = []
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
        if !conversations.isEmpty, !conversations.contains(where: { $0.matches(facts.conversationId) }) {
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
}
