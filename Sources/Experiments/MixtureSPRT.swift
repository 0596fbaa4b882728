import Foundation

/// The mixture sequential probability ratio test (mSPRT) for the difference of two proportions:
/// an always-valid p-value, which may be read after every new receiver without inflating the
/// false-positive rate (under no difference, the chance that p ever falls below α is at most α).
///
/// The difference d = p̂_B − p̂_A is treated as normal with variance
/// V = p̂_A(1 − p̂_A)/n_A + p̂_B(1 − p̂_B)/n_B, and the true difference gets the prior N(0, τ²).
/// The mixture likelihood ratio against "no difference" is then
/// Λ = √(V / (V + τ²)) · exp(τ² d² / (2 V (V + τ²))), and p = min(1, 1/Λ).
///
/// Where that V is 0 (both arms all-or-nothing) the pooled variance p̄(1 − p̄)(1/n_A + 1/n_B),
/// the variance under "no difference", stands in: 0 of 1 against 1 of 1 is no evidence, 0 of
/// 500 against 500 of 500 is overwhelming. Where that is 0 too (equal all-or-nothing rates)
/// there is no evidence either way: Λ = 1.
///
/// The p-value is 1/Λ at the time of the report, not the running minimum over all earlier
/// looks (which would need the counts' history): that is valid at any stopping time, and
/// slightly more conservative. Validity rests on the normal approximation of d, which the
/// minimum sample per arm is there to make good.
public struct MixtureSPRT: Sendable, Equatable {
    /// τ = 0.05: push open rates are a few percent to a few tens of percent, and the
    /// differences worth finding are about 1 to 10 points; N(0, 0.05²) puts 95% of its mass on
    /// differences under 10 points, and the test is most sensitive around differences near τ
    /// once V is small. A τ far too large or too small costs samples, never validity.
    public static let defaultTau = 0.05

    /// log Λ; 0 when there is nothing to compare.
    public var logLikelihoodRatio: Double
    public var pValue: Double

    public init(successesA: Int, trialsA: Int, successesB: Int, trialsB: Int, tau: Double = MixtureSPRT.defaultTau) {
        precondition(successesA >= 0 && successesA <= trialsA, "MixtureSPRT: successes A \(successesA) not in 0...\(trialsA)")
        precondition(successesB >= 0 && successesB <= trialsB, "MixtureSPRT: successes B \(successesB) not in 0...\(trialsB)")
        precondition(tau > 0 && tau.isFinite, "MixtureSPRT: tau must be positive, not \(tau)")
        guard trialsA > 0, trialsB > 0 else {
            logLikelihoodRatio = 0
            pValue = 1
            return
        }
        let rateA = Double(successesA) / Double(trialsA)
        let rateB = Double(successesB) / Double(trialsB)
        let d = rateB - rateA
        let unpooled = rateA * (1 - rateA) / Double(trialsA) + rateB * (1 - rateB) / Double(trialsB)
        let pooledRate = Double(successesA + successesB) / Double(trialsA + trialsB)
        let variance = unpooled > 0 ? unpooled : pooledRate * (1 - pooledRate) * (1 / Double(trialsA) + 1 / Double(trialsB))
        let tau2 = tau * tau
        logLikelihoodRatio = variance > 0 ? 0.5 * log(variance / (variance + tau2)) + tau2 * d * d / (2 * variance * (variance + tau2)) : 0
        pValue = min(1, exp(-logLikelihoodRatio))
    }
}
