/// Weights a bandit experiment assigned with from `time` on, until the next update.
public struct WeightUpdate: Sendable, Equatable, Codable {
    public var experiment: String
    /// Seconds since 1970, on a whole minute: instances computing the same minute's update
    /// store one row between them.
    public var time: Double
    /// Variant name → weight; the weights sum to 1.
    public var weights: [String: Double]

    public init(experiment: String, time: Double, weights: [String: Double]) {
        self.experiment = experiment
        self.time = time
        self.weights = weights
    }
}
