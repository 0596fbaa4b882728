/// Bandit weights by Thompson sampling over the open rate: each arm's weight is the posterior
/// probability that it has the highest rate, so better arms get more traffic as evidence grows
/// while a floor keeps every arm observed.
public enum ThompsonSampling {
    /// Probability each of `variants` is best under Beta(1 + openers, 1 + receivers − openers)
    /// posteriors (uniform priors), estimated from `draws` joint draws seeded by `seed`; then
    /// every arm is raised to at least `floor` and the others share the rest in proportion, so
    /// the weights sum to 1. A floor above 1/k (k arms) gives equal weights. A variant with no
    /// counts has the uniform posterior. Same inputs and seed, same weights (up to the last
    /// bit of the platform's `log`, which only a tie in a draw could expose).
    public static func weights(counts: [ArmCounts], variants: [String], floor: Double, draws: Int = 10_000, seed: UInt64) -> [String: Double] {
        precondition(!variants.isEmpty, "ThompsonSampling: no variants")
        precondition(draws > 0, "ThompsonSampling: draws must be positive, not \(draws)")
        precondition(floor >= 0 && floor.isFinite, "ThompsonSampling: floor must be a non-negative number, not \(floor)")
        let posteriors = variants.map { name -> (Double, Double) in
            let arm = counts.first { $0.variant == name } ?? ArmCounts(variant: name)
            let receivers = max(0, arm.receivers)
            let openers = min(max(0, arm.openers), receivers)
            return (1 + Double(openers), 1 + Double(receivers - openers))
        }
        var rng = SplitMix64(seed: seed)
        var wins = [Int](repeating: 0, count: variants.count)
        for _ in 0..<draws {
            var best = 0
            var bestDraw = -1.0
            for (index, (a, b)) in posteriors.enumerated() {
                let draw = BetaSampler.beta(a, b, using: &rng)
                if draw > bestDraw {
                    best = index
                    bestDraw = draw
                }
            }
            wins[best] += 1
        }
        let floored = raise(wins.map { Double($0) / Double(draws) }, toFloor: floor)
        return Dictionary(uniqueKeysWithValues: zip(variants, floored))
    }

    /// Arms below the floor are set to it; the others share what is left in proportion to
    /// their probabilities, repeated until no share falls below the floor.
    static func raise(_ probabilities: [Double], toFloor floor: Double) -> [Double] {
        let k = probabilities.count
        guard floor * Double(k) < 1 else { return [Double](repeating: 1 / Double(k), count: k) }
        var pinned = [Bool](repeating: false, count: k)
        while true {
            let free = probabilities.indices.filter { !pinned[$0] }
            let remaining = 1 - floor * Double(k - free.count)
            let freeMass = free.reduce(0) { $0 + probabilities[$1] }
            var weights = [Double](repeating: floor, count: k)
            for index in free {
                weights[index] = freeMass > 0 ? remaining * probabilities[index] / freeMass : remaining / Double(free.count)
            }
            let below = free.filter { weights[$0] < floor }
            if below.isEmpty { return weights }
            for index in below { pinned[index] = true }
        }
    }
}
