/// An experiment's report: per variant, the counts, the open rate with its interval, the lift
/// against the control and its p-value, then the verdict and how it was reached.
public struct ExperimentReport: Sendable, Equatable, Codable {
    /// The level the corrected p-values are compared with.
    public static let significanceLevel = 0.05

    public var experiment: String
    public var unit: String
    /// Seconds since 1970: the period counted (since nil: from the beginning).
    public var since: Double?
    public var now: Double
    public var minimumSample: Int
    public var analysisMode: ExperimentDesign.Analysis
    public var bandit: Bool
    /// In the design's order.
    public var arms: [ArmReport]
    /// Which test produced the verdict, in words.
    public var analysis: String
    /// Whether and how p-values were corrected for several comparisons, in words.
    public var correction: String
    public var notExposed: Int
    public var overridden: Int
    public var overridesNote: String
    /// Set when bandit weights were adaptive during the period.
    public var adaptation: Adaptation?
    public var verdict: Verdict
    /// The verdict as a person reads it.
    public var verdictText: String

    public init(design: ExperimentDesign, counts: [ArmCounts], weightHistory: [WeightUpdate] = [], since: Double? = nil, now: Double) {
        let controlName = design.control?.name
        let adaptation = Adaptation(design: design, history: weightHistory, since: since, now: now)
        var arms = design.variants.map { variant in
            ArmReport(counts: counts.first { $0.variant == variant.name } ?? ArmCounts(variant: variant.name), isControl: variant.name == controlName)
        }
        let comparisons = arms.indices.filter { !arms[$0].isControl }
        if let control = arms.first(where: \.isControl) {
            for index in comparisons {
                arms[index].compare(with: control, analysis: design.analysis, testing: adaptation == nil)
            }
        }
        let corrected = HolmCorrection.adjusted(comparisons.map { arms[$0].pValue ?? 1 })
        for (index, p) in zip(comparisons, corrected) where arms[index].pValue != nil {
            arms[index].correctedPValue = p
        }

        experiment = design.name
        unit = design.unit
        self.since = since
        self.now = now
        minimumSample = design.minimumSample
        analysisMode = design.analysis
        bandit = design.bandit
        self.arms = arms
        self.adaptation = adaptation
        notExposed = arms.reduce(0) { $0 + $1.notExposed }
        overridden = arms.reduce(0) { $0 + $1.overridden }
        overridesNote = "pushes whose variant a per-user override forced (QA) are excluded from the statistics"
        let k = comparisons.count
        analysis = Self.analysisText(design.analysis, adaptive: adaptation != nil, comparisons: k)
        correction = Self.correctionText(adaptive: adaptation != nil, comparisons: k)
        (verdict, verdictText) = VerdictRule(minimumSample: design.minimumSample, analysis: design.analysis, adaptation: adaptation).decide(arms)
    }

    static func analysisText(_ mode: ExperimentDesign.Analysis, adaptive: Bool, comparisons: Int) -> String {
        if adaptive { return "bandit (Thompson sampling): no significance test while weights adapt" }
        let test = mode == .fixed ? "fixed-horizon z-test" : "sequential mSPRT (always valid)"
        return comparisons > 1 ? test + ", Holm-corrected" : test
    }

    static func correctionText(adaptive: Bool, comparisons: Int) -> String {
        if adaptive { return "none: no significance test" }
        switch comparisons {
        case 0: return "none: nothing to compare"
        case 1: return "none needed: one comparison with the control"
        default: return "Holm, across \(comparisons) comparisons with the control"
        }
    }

    // Missing values are written as null, not left out: every report has the same keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(experiment, forKey: .experiment)
        try container.encode(unit, forKey: .unit)
        try container.encode(since, forKey: .since)
        try container.encode(now, forKey: .now)
        try container.encode(minimumSample, forKey: .minimumSample)
        try container.encode(analysisMode, forKey: .analysisMode)
        try container.encode(bandit, forKey: .bandit)
        try container.encode(arms, forKey: .arms)
        try container.encode(analysis, forKey: .analysis)
        try container.encode(correction, forKey: .correction)
        try container.encode(notExposed, forKey: .notExposed)
        try container.encode(overridden, forKey: .overridden)
        try container.encode(overridesNote, forKey: .overridesNote)
        try container.encode(adaptation, forKey: .adaptation)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(verdictText, forKey: .verdictText)
    }
}
