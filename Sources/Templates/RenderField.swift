import PushCompose

/// The variables of the template reference other than `message.attrs.*`: the one table
/// of their names. Mustache reads their values through `RenderContext`; a substitution
/// template resolves each tag to a field at load and prints it without casts; lint
/// checks names against them.
enum RenderField: String, CaseIterable, Sendable {
    case senderId = "sender.id", senderName = "sender.name"
    case conversationId = "conversation.id", conversationName = "conversation.name"
    case messageText = "message.text", messageFullText = "message.fullText"
    case messageKind = "message.kind", messageType = "message.type"
    case receiverId = "receiver.id", receiverName = "receiver.name"
    case receiverLocale = "receiver.locale", receiverMentioned = "receiver.mentioned"
    case mentionAll, timestamp

    /// The names that hold fields: `sender` of `sender.id`.
    static let scopes: Set<String> = ["sender", "conversation", "message", "receiver"]

    /// Scope ("" for top-level names) → name within it → field.
    private static let byScope: [String: [String: RenderField]] = {
        var table: [String: [String: RenderField]] = [:]
        for field in allCases {
            let parts = field.rawValue.split(separator: ".", maxSplits: 1).map(String.init)
            let (scope, name) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
            table[scope, default: [:]][name] = field
        }
        return table
    }()

    init?(scope: String, name: String) {
        guard let field = Self.byScope[scope]?[name] else { return nil }
        self = field
    }

    /// The value as Mustache sees it.
    func value(in input: RenderInput) -> Any? {
        switch self {
        case .messageType: return input.content.typeCode
        case .receiverMentioned: return input.receiver.mention.isMentioned
        case .mentionAll: return input.mentionAll
        case .timestamp: return input.timestamp.map(RenderContext.number)
        default: return string(in: input)
        }
    }

    /// What swift-mustache prints for `value(in:)`, without going through `Any`.
    func text(in input: RenderInput) -> String {
        switch self {
        case .messageType: return input.content.typeCode.map(String.init) ?? ""
        case .receiverMentioned: return String(input.receiver.mention.isMentioned)
        case .mentionAll: return String(input.mentionAll)
        case .timestamp: return input.timestamp.map { RenderContext.text(of: RenderContext.number($0)) } ?? ""
        default: return string(in: input) ?? ""
        }
    }

    /// The fields that are text, printed as they are.
    private func string(in input: RenderInput) -> String? {
        switch self {
        case .senderId: return input.sender.id
        case .senderName: return input.sender.name
        case .conversationId: return input.conversation.id
        case .conversationName: return input.conversation.name
        case .messageText: return input.text
        case .messageFullText: return input.fullText
        case .messageKind: return input.content.kind.name
        // Missing for a render without a receiver, so that a section on them is false.
        case .receiverId: return input.receiver.isNamed ? input.receiver.id : nil
        case .receiverName: return input.receiver.isNamed ? input.receiver.name : nil
        case .receiverLocale: return input.receiver.locale
        case .messageType, .receiverMentioned, .mentionAll, .timestamp: return nil
        }
    }
}
