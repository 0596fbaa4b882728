/// Receivers whose templates asked for the same payload and the same `force`.
public struct PushGroup: Sendable, Equatable {
    public var payload: String
    public var force: Bool
    public var template: String
    public var locale: String?
    public var receivers: [String]
    /// Whether any receiver in the group is mentioned.
    public var hasMentions: Bool
    /// The first receiver's `ReceiverPush.unnamedPayload`: the group's payload as others
    /// may be sent it, when the payload may name its receiver.
    public var unnamedPayload: String?
    /// The experiment variant its receivers were rendered with: receivers of two variants
    /// are never one group, even where their payloads are alike.
    public var variant: String?

    public init(
        payload: String, force: Bool, template: String, locale: String?, receivers: [String], hasMentions: Bool,
        unnamedPayload: String? = nil, variant: String? = nil
    ) {
        self.variant = variant
        self.payload = payload
        self.force = force
        self.template = template
        self.locale = locale
        self.receivers = receivers
        self.hasMentions = hasMentions
        self.unnamedPayload = unnamedPayload
    }

    /// Whether the payload shows something of its receiver that the unnamed render lacks.
    var namesItsReceivers: Bool { unnamedPayload.map { $0 != payload } ?? false }
}
