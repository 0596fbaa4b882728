import Experiments

/// A design whose first variant is the control.
func design(
    _ variants: [String], minimumSample: Int = 1000, analysis: ExperimentDesign.Analysis = .fixed, bandit: Bool = false
) -> ExperimentDesign {
    ExperimentDesign(
        name: "welcome", unit: "conversation",
        variants: variants.enumerated().map { ExperimentDesign.Variant(name: $1, weight: 1, isControl: $0 == 0) },
        minimumSample: minimumSample, analysis: analysis, bandit: bandit)
}

/// An arm's counts with one push and one open per receiver and opener.
func arm(_ variant: String, _ openers: Int, of receivers: Int) -> ArmCounts {
    ArmCounts(variant: variant, pushes: receivers, receivers: receivers, opens: openers, openers: openers)
}
