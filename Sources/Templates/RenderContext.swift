import PushCompose

/// The Mustache context of one render: the variables of the template reference.
enum RenderContext {
    static func dictionary(for input: RenderInput) -> [String: Any] {
        var message: [String: Any] = [
            "text": input.text,
            "fullText": input.fullText,
            "kind": input.content.kind.name,
            "attrs": object(input.content.attrs),
        ]
        if let code = input.content.typeCode { message["type"] = code }
        var context: [String: Any] = [
            "sender": ["id": input.sender.id, "name": input.sender.name],
            "conversation": ["id": input.conversation.id, "name": input.conversation.name],
            "message": message,
            "receiver": [
                "id": input.receiver.id, "name": input.receiver.name, "locale": input.receiver.locale,
                "mentioned": input.receiver.mention.isMentioned,
            ] as [String: Any],
            "mentionAll": input.mentionAll,
        ]
        if let timestamp = input.timestamp { context["timestamp"] = Int64(timestamp) }
        return context
    }

    static func object(_ members: [(key: String, value: JSONValue)]) -> [String: Any] {
        var dictionary: [String: Any] = [:]
        for (key, value) in members { dictionary[key] = any(value) }
        return dictionary
    }

    static func any(_ value: JSONValue) -> Any {
        switch value {
        case .null: return ""
        case .bool(let b): return b
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? Int64(n) as Any : n as Any
        case .string(let s): return s
        case .array(let items): return items.map(any)
        case .object(let members): return object(members)
        }
    }
}
