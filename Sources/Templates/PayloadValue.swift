import PushCompose

/// A payload member as a template file gives it: strings are Mustache templates, other
/// scalars literal, mappings and lists nested.
indirect enum PayloadValue: Sendable {
    case text(MustacheText)
    case literal(JSONValue)
    case array([PayloadValue])
    case object([(key: String, value: PayloadValue)])

    func render(_ context: RenderContext) -> JSONValue {
        switch self {
        case .text(let text): return .string(text.render(context))
        case .literal(let value): return value
        case .array(let items): return .array(items.map { $0.render(context) })
        case .object(let members): return .object(members.map { (key: $0.key, value: $0.value.render(context)) })
        }
    }

    /// Every Mustache text inside.
    var texts: [MustacheText] {
        switch self {
        case .text(let text): return [text]
        case .literal: return []
        case .array(let items): return items.flatMap(\.texts)
        case .object(let members): return members.flatMap(\.value.texts)
        }
    }
}
