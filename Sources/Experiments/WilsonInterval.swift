/// The Wilson score interval for a binomial proportion: unlike the normal ("Wald") interval it
/// stays inside [0, 1] and keeps its coverage at small samples and at rates near 0 or 1.
public struct WilsonInterval: Sendable, Equatable, Codable {
    /// The two-sided 95% normal quantile, Φ⁻¹(0.975).
    public static let z95 = 1.959963984540054

    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    /// nil when there are no trials: a rate of nothing has no interval.
    public init?(successes: Int, trials: Int, z: Double = WilsonInterval.z95) {
        precondition(successes >= 0 && successes <= trials, "WilsonInterval: successes \(successes) not in 0...\(trials)")
        guard trials > 0 else { return nil }
        let n = Double(trials)
        let rate = Double(successes) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (rate + z2 / (2 * n)) / denominator
        let halfWidth = z / denominator * (rate * (1 - rate) / n + z2 / (4 * n * n)).squareRoot()
        // At 0 or all successes one bound is exactly 0 or 1; rounding must not push it past.
        low = successes == 0 ? 0 : max(0, center - halfWidth)
        high = successes == trials ? 1 : min(1, center + halfWidth)
    }
}
