import Foundation

/// The standard normal distribution's tails, from `erfc` so tiny p-values keep their precision
/// (1 − Φ(z) would round to 0 long before erfc does).
public enum StandardNormal {
    /// P(|Z| ≥ |z|): the two-sided p-value of a z statistic.
    public static func twoSided(_ z: Double) -> Double {
        erfc(abs(z) / 2.0.squareRoot())
    }
}
