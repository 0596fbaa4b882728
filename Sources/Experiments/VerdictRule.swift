import Foundation

/// How the report reaches its verdict from the arms' statistics:
/// 1. bandit weights adaptive during the period: no significance verdict;
/// 2. any arm below the minimum sample: no winner yet, however small a p-value;
/// 3. variants beating the control with corrected p < 0.05: the one with the highest rate wins;
/// 4. the control beating every variant with corrected p < 0.05: the control wins;
/// 5. otherwise: no significant difference.
struct VerdictRule {
    var minimumSample: Int
    var analysis: ExperimentDesign.Analysis
    var adaptation: Adaptation?

    func decide(_ arms: [ArmReport]) -> (Verdict, String) {
        if let adaptation {
            let leader = arms.filter { $0.openRate != nil }.max { $0.openRate! < $1.openRate! }
            let leading = leader.map { "; highest observed rate: \($0.variant) \(Format.percent($0.openRate!))" } ?? ""
            return (
                .adaptive,
                "no significance verdict: weights were adaptive (\(adaptation.method)) from \(Format.time(adaptation.from))\(leading)"
            )
        }
        guard let control = arms.first(where: \.isControl) else {
            return Self.noWinnerYet("the experiment names no control variant")
        }
        let variants = arms.filter { !$0.isControl }
        guard !variants.isEmpty else {
            return Self.noWinnerYet("the control is the only variant")
        }
        let short = arms.filter { $0.receivers < minimumSample }
        if !short.isEmpty {
            let list = short.map { "arm \($0.variant) has \($0.receivers)" }.joined(separator: ", ")
            return Self.noWinnerYet("\(list) of \(minimumSample) receivers")
        }
        let level = ExperimentReport.significanceLevel
        let better = variants.filter { ($0.correctedPValue ?? 1) < level && ($0.absoluteLift ?? 0) > 0 }
        // Of equal rates the first in the design's order wins (max(by:) keeps the first maximum).
        if let best = better.max(by: { $0.openRate! < $1.openRate! }) {
            var text = "winner: \(best.variant) (\(Format.points(best.absoluteLift!)), \(pText(best.correctedPValue!, comparisons: variants.count)))"
            let others = better.filter { $0.variant != best.variant }.map(\.variant)
            if !others.isEmpty {
                text += "; \(others.joined(separator: ", ")) also beat\(others.count == 1 ? "s" : "") the control, "
                    + "\(best.variant) has the highest rate (not tested against \(others.count == 1 ? "it" : "them"))"
            }
            return (.winner(variant: best.variant), text)
        }
        let worse = variants.filter { ($0.correctedPValue ?? 1) < level && ($0.absoluteLift ?? 0) < 0 }
        if worse.count == variants.count {
            let largest = worse.map { $0.correctedPValue! }.max()!
            let quantifier = variants.count == 1 ? "the variant is" : "every variant is"
            return (
                .winner(variant: control.variant),
                "winner: \(control.variant), the control (\(quantifier) worse, \(pText(largest, comparisons: variants.count)))"
            )
        }
        return (.noSignificantDifference, "no significant difference")
    }

    private static func noWinnerYet(_ reason: String) -> (Verdict, String) {
        (.noWinnerYet(reason: reason), "no winner yet: \(reason)")
    }

    /// "p = 0.003 Holm-corrected", "always-valid p < 0.001".
    private func pText(_ p: Double, comparisons: Int) -> String {
        let value = p < 0.001 ? "p < 0.001" : "p = \(String(format: "%.3f", p))"
        let kind = analysis == .sequential ? "always-valid " : ""
        return kind + value + (comparisons > 1 ? " Holm-corrected" : "")
    }
}
