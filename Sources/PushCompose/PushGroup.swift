/// Receivers whose templates asked for the same payload and the same `force`.
public struct PushGroup: Sendable, Equatable {
    public var payload: String
    public var force: Bool
    public var template: String
    public var locale: String?
    public var receivers: [String]
    /// Whether any receiver in the group is mentioned.
    public var hasMentions: Bool

    public init(payload: String, force: Bool, template: String, locale: String?, receivers: [String], hasMentions: Bool) {
        self.payload = payload
        self.force = force
        self.template = template
        self.locale = locale
        self.receivers = receivers
        self.hasMentions = hasMentions
    }
}
