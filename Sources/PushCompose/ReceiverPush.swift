/// The push one receiver's template asked for.
public struct ReceiverPush: Sendable, Equatable {
    public var receiver: String
    /// The payload, encoded: what `pushMessage` carries.
    public var payload: String
    public var force: Bool
    public var mention: Mention
    public var template: String
    /// The template locale that rendered it (nil: the template's default language).
    public var locale: String?

    public init(receiver: String, payload: String, force: Bool, mention: Mention, template: String, locale: String?) {
        self.receiver = receiver
        self.payload = payload
        self.force = force
        self.mention = mention
        self.template = template
        self.locale = locale
    }
}

/// A template that failed to render for a receiver, and what the receiver got instead.
public struct RenderFailure: Sendable, Equatable {
    public var receiver: String
    public var template: String
    public var reason: String
    /// The template whose payload the receiver got instead; nil when not pushed.
    public var fellBackTo: String?

    public init(receiver: String, template: String, reason: String, fellBackTo: String?) {
        self.receiver = receiver
        self.template = template
        self.reason = reason
        self.fellBackTo = fellBackTo
    }
}
