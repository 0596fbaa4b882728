/// The two-sided z-test of equal proportions with the pooled standard error: valid when read
/// once, at a sample size fixed in advance.
public struct TwoProportionZTest: Sendable, Equatable {
    /// (rate B − rate A) / pooled standard error; 0 when there is nothing to compare.
    public var z: Double
    /// Two-sided, from the normal distribution.
    public var pValue: Double

    public init(successesA: Int, trialsA: Int, successesB: Int, trialsB: Int) {
        precondition(successesA >= 0 && successesA <= trialsA, "TwoProportionZTest: successes A \(successesA) not in 0...\(trialsA)")
        precondition(successesB >= 0 && successesB <= trialsB, "TwoProportionZTest: successes B \(successesB) not in 0...\(trialsB)")
        let nA = Double(trialsA), nB = Double(trialsB)
        let pooled = Double(successesA + successesB) / (nA + nB)
        let standardError = (pooled * (1 - pooled) * (1 / nA + 1 / nB)).squareRoot()
        // An empty arm, or both arms all-or-nothing alike: no evidence of a difference.
        guard trialsA > 0, trialsB > 0, standardError > 0 else {
            z = 0
            pValue = 1
            return
        }
        z = (Double(successesB) / nB - Double(successesA) / nA) / standardError
        pValue = StandardNormal.twoSided(z)
    }
}
