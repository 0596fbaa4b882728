import Foundation

/// Beta draws from two Gamma draws (Beta(a, b) = X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b)),
/// with Marsaglia and Tsang's method for the Gammas. Only shapes ≥ 1 are needed here: the
/// posteriors are Beta(1 + openers, 1 + receivers − openers).
enum BetaSampler {
    static func beta(_ a: Double, _ b: Double, using rng: inout SplitMix64) -> Double {
        let x = gamma(a, using: &rng)
        let y = gamma(b, using: &rng)
        return x / (x + y)
    }

    static func gamma(_ shape: Double, using rng: inout SplitMix64) -> Double {
        precondition(shape >= 1, "BetaSampler.gamma: shape \(shape) below 1")
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal(using: &rng)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = rng.nextUnit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A standard normal draw (Marsaglia's polar method).
    static func normal(using rng: inout SplitMix64) -> Double {
        while true {
            let u = 2 * rng.nextUnit() - 1
            let v = 2 * rng.nextUnit() - 1
            let s = u * u + v * v
            if s > 0, s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }
}
