/// When and how a bandit experiment's weights were adaptive during the report's period.
public struct Adaptation: Sendable, Equatable, Codable {
    public var method: String
    /// Seconds since 1970: when adaptive weights first applied within the period (the period's
    /// start when an update made before it was still in force).
    public var from: Double
    /// The latest update in force, and its weights (variant → weight, summing to 1).
    public var latest: Double
    public var weights: [String: Double]
    /// Weight updates in force at some time during the period.
    public var updates: Int
    /// The period began under the declared weights, before the first update.
    public var declaredWeightsFirst: Bool

    public init(method: String, from: Double, latest: Double, weights: [String: Double], updates: Int, declaredWeightsFirst: Bool) {
        self.method = method
        self.from = from
        self.latest = latest
        self.weights = weights
        self.updates = updates
        self.declaredWeightsFirst = declaredWeightsFirst
    }

    /// nil unless the design is a bandit and some update of its weights was in force between
    /// `since` (nil: the beginning) and `now`.
    public init?(design: ExperimentDesign, history: [WeightUpdate], since: Double?, now: Double) {
        guard design.bandit else { return nil }
        let made = history.filter { $0.experiment == design.name && $0.time <= now }.sorted { $0.time < $1.time }
        guard let last = made.last, let first = made.first else { return nil }
        let periodStart = since ?? -Double.infinity
        // The update in force when the period began, and every one made during it.
        let inForceAtStart = made.last { $0.time <= periodStart }
        let during = made.filter { $0.time > periodStart }
        method = "Thompson sampling"
        from = inForceAtStart == nil ? first.time : periodStart
        latest = last.time
        weights = last.weights
        updates = during.count + (inForceAtStart == nil ? 0 : 1)
        declaredWeightsFirst = inForceAtStart == nil
    }
}
