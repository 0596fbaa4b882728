/// Holm's step-down correction: keeps the chance of any false "significant" among k
/// comparisons at the level, and is never less powerful than Bonferroni.
public enum HolmCorrection {
    /// Adjusted p-values in the input's order: the i-th smallest p is multiplied by (k − i + 1),
    /// made monotone in that order (an adjusted p is never below a smaller raw p's) and capped at 1.
    public static func adjusted(_ pValues: [Double]) -> [Double] {
        let k = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: 1, count: k)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(k - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
