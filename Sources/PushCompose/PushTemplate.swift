/// What the composer sees of a template: its policy and a way to render a payload.
/// Loading, selection and Mustache live in the Templates module.
public protocol PushTemplate: Sendable {
    var name: String { get }
    var policy: PushPolicy { get }
    /// Whether the rendered payload can differ between two receivers with the same
    /// mention and template locale (the template uses the receiver's id, name or own
    /// locale tag). When it cannot, the composer renders once for all of them.
    var dependsOnReceiverIdentity: Bool { get }
    /// Whether a payload can show its receiver's id or name (`receiver.id`, `receiver.name`
    /// anywhere in the template). Such a payload goes to no one else: where one payload is
    /// to reach several receivers, the composer renders the template without a receiver.
    var namesReceiver: Bool { get }
    /// The most specific locale of this template in `locale`'s fallback chain, or nil
    /// when only the template's default language applies.
    func resolvedLocale(for locale: String) -> String?
    /// What a receiver sees instead of the text for a message of `kind` (also the
    /// `privacy` text when `kind` is nil).
    func placeholder(for kind: MessageKind?, locale: String) -> String
    /// The payload's members, in order, in `locale` (what `resolvedLocale(for:)` gave for
    /// the receiver).
    func render(_ input: RenderInput, locale: String?) throws -> [(key: String, value: JSONValue)]
    /// The experiment the template declares, whose variants render in its place.
    var experiment: TemplateExperiment? { get }
}

extension PushTemplate {
    public var experiment: TemplateExperiment? { nil }
}

/// All templates of a set, and the rule that picks one per message.
public protocol TemplateSelector: Sendable {
    var defaultTemplate: any PushTemplate { get }
    func template(for message: MessageFacts) -> any PushTemplate
}

/// What selection looks at.
public struct MessageFacts: Sendable {
    public var conversationId: String
    public var isSystemConversation: Bool
    public var content: MessageContent

    public init(conversationId: String, isSystemConversation: Bool, content: MessageContent) {
        self.conversationId = conversationId
        self.isSystemConversation = isSystemConversation
        self.content = content
    }
}

/// Everything a template may use for one receiver's push.
public struct RenderInput: Sendable {
    public struct Party: Sendable, Equatable {
        public var id: String
        /// The registry's name, or the id when the registry has none.
        public var name: String
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public struct Receiver: Sendable, Equatable {
        public var id: String
        public var name: String
        public var locale: String
        public var mention: Mention
        /// False for a render meant for several receivers: `id` and `name` are empty, and a
        /// template sees them as missing (a section on them is false).
        public var isNamed: Bool

        public init(id: String, name: String, locale: String, mention: Mention) {
            self.id = id
            self.name = name
            self.locale = locale
            self.mention = mention
            isNamed = true
        }

        /// `receiver` without the id and name: what a payload for several receivers may show.
        public var unnamed: Receiver {
            var receiver = self
            receiver.id = ""
            receiver.name = ""
            receiver.isNamed = false
            return receiver
        }
    }

    public var sender: Party
    public var conversation: Party
    public var content: MessageContent
    /// `{{message.text}}`: the text cut to the policy's length, or the kind's placeholder.
    public var text: String
    /// `{{message.fullText}}`: the text uncut (but still within the payload's byte budget).
    public var fullText: String
    public var receiver: Receiver
    public var mentionAll: Bool
    public var timestamp: Double?

    public init(
        sender: Party, conversation: Party, content: MessageContent, text: String, fullText: String,
        receiver: Receiver, mentionAll: Bool, timestamp: Double?
    ) {
        self.sender = sender
        self.conversation = conversation
        self.content = content
        self.text = text
        self.fullText = fullText
        self.receiver = receiver
        self.mentionAll = mentionAll
        self.timestamp = timestamp
    }
}
