/// What the service knows about clients and conversations: names, locales, mutes.
/// The composer only reads it; where it is kept is the server's business.
public protocol RegistryLookup: Sendable {
    func client(_ id: String) -> ClientEntry?
    func conversation(_ id: String) -> ConversationEntry?
    /// The clients who muted the conversation (learned from `_conversationUpdate`).
    func mutedClients(conversation: String) -> Set<String>
    /// Whether the client has a device on the service's own channel (custom delivery).
    func hasCustomChannel(_ client: String) -> Bool
}

extension RegistryLookup {
    /// Without custom delivery nobody has one: every push goes into the answer.
    public func hasCustomChannel(_ client: String) -> Bool { false }
}

public struct ClientEntry: Sendable, Equatable, Codable {
    public var name: String?
    /// A BCP 47 tag such as `zh-Hant-TW`.
    public var locale: String?

    public init(name: String? = nil, locale: String? = nil) {
        self.name = name
        self.locale = locale
    }
}

public struct ConversationEntry: Sendable, Equatable, Codable {
    public var name: String?
    /// A system conversation (the platform's service accounts and broadcast channels).
    public var system: Bool

    public init(name: String? = nil, system: Bool = false) {
        self.name = name
        self.system = system
    }
}

/// A registry that knows nobody: every name falls back to the id.
public struct EmptyRegistry: RegistryLookup {
    public init() {}
    public func client(_ id: String) -> ClientEntry? { nil }
    public func conversation(_ id: String) -> ConversationEntry? { nil }
    public func mutedClients(conversation: String) -> Set<String> { [] }
}
