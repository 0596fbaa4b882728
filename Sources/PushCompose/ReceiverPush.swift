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
    /// Set when `payload` may name its receiver (the template uses `receiver.id` or
    /// `receiver.name`): the same template rendered without a receiver, the form of this
    /// push that others may be sent. Nil when the payload names no one, or goes to its
    /// receiver alone.
    public var unnamedPayload: String?
    /// The experiment variant that rendered it.
    public var variant: String?

    public init(
        receiver: String, payload: String, force: Bool, mention: Mention, template: String, locale: String?,
        unnamedPayload: String? = nil, variant: String? = nil
    ) {
        self.variant = variant
        self.receiver = receiver
        self.payload = payload
        self.force = force
        self.mention = mention
        self.template = template
        self.locale = locale
        self.unnamedPayload = unnamedPayload
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
