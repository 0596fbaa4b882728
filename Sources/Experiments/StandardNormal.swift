import Foundation

/// The standard normal distribution's tail, from `erfc` so tiny p-values keep their precision
/// (1 − Φ(z) would round to 0 long before erfc does).
public enum StandardNormal {
    /// P(Z > z).
    public static func survival(_ z: Double) -> Double {
        0.5 * erfc(z / 2.0.squareRoot())
    }

    /// P(Z ≤ z).
    public static func cdf(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// P(|Z| ≥ |z|): the two-sided p-value of a z statistic.
    public static func twoSided(_ z: Double) -> Double {
        erfc(abs(z) / 2.0.squareRoot())
    }
}
