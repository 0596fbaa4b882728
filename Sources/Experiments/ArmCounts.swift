/// What the store counted for one variant of an experiment: the report's input.
public struct ArmCounts: Sendable, Equatable, Codable {
    public var variant: String
    /// Pushes of this variant that were delivered as such (one per receiver and push).
    public var pushes: Int
    /// Distinct receivers who were sent at least one push of this variant.
    public var receivers: Int
    /// Opens counted: within the experiment's window after an exposed push, one per push
    /// and receiver.
    public var opens: Int
    /// Distinct exposed receivers with at least one counted open.
    public var openers: Int
    /// Receivers assigned this variant who were sent another payload (coalesced into the
    /// built-in answer) or none: not exposures.
    public var notExposed: Int
    /// Pushes whose variant a per-user override forced (QA): never in the statistics.
    public var overridden: Int

    public init(variant: String, pushes: Int = 0, receivers: Int = 0, opens: Int = 0, openers: Int = 0, notExposed: Int = 0, overridden: Int = 0) {
        self.variant = variant
        self.pushes = pushes
        self.receivers = receivers
        self.opens = opens
        self.openers = openers
        self.notExposed = notExposed
        self.overridden = overridden
    }
}
