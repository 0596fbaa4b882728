/// One variant's line of the report: what was counted and what the statistics make of it.
public struct ArmReport: Sendable, Equatable, Codable {
    public var variant: String
    public var isControl: Bool
    public var pushes: Int
    /// Unique exposed receivers: the denominator of the open rate.
    public var receivers: Int
    public var opens: Int
    /// Unique exposed receivers with at least one counted open: the numerator of the open rate.
    public var openers: Int
    public var notExposed: Int
    public var overridden: Int
    /// openers / receivers; nil with no receivers.
    public var openRate: Double?
    /// 95% Wilson score interval of the open rate; nil with no receivers.
    public var interval: WilsonInterval?
    /// Rate − control rate (a fraction: 0.041 is 4.1 points); nil for the control, or when
    /// either rate is missing.
    public var absoluteLift: Double?
    /// Rate / control rate − 1; nil also when the control's rate is 0.
    public var relativeLift: Double?
    /// Against the control, from the test the analysis names; nil for the control, for an arm
    /// without receivers, and when weights were adaptive.
    public var pValue: Double?
    /// pValue after Holm's correction across the comparisons with the control.
    public var correctedPValue: Double?

    public init(
        variant: String, isControl: Bool, pushes: Int, receivers: Int, opens: Int, openers: Int, notExposed: Int, overridden: Int,
        openRate: Double?, interval: WilsonInterval?, absoluteLift: Double?, relativeLift: Double?, pValue: Double?, correctedPValue: Double?
    ) {
        self.variant = variant
        self.isControl = isControl
        self.pushes = pushes
        self.receivers = receivers
        self.opens = opens
        self.openers = openers
        self.notExposed = notExposed
        self.overridden = overridden
        self.openRate = openRate
        self.interval = interval
        self.absoluteLift = absoluteLift
        self.relativeLift = relativeLift
        self.pValue = pValue
        self.correctedPValue = correctedPValue
    }

    // Missing values are written as null, not left out: every report has the same keys.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(variant, forKey: .variant)
        try container.encode(isControl, forKey: .isControl)
        try container.encode(pushes, forKey: .pushes)
        try container.encode(receivers, forKey: .receivers)
        try container.encode(opens, forKey: .opens)
        try container.encode(openers, forKey: .openers)
        try container.encode(notExposed, forKey: .notExposed)
        try container.encode(overridden, forKey: .overridden)
        try container.encode(openRate, forKey: .openRate)
        try container.encode(interval, forKey: .interval)
        try container.encode(absoluteLift, forKey: .absoluteLift)
        try container.encode(relativeLift, forKey: .relativeLift)
        try container.encode(pValue, forKey: .pValue)
        try container.encode(correctedPValue, forKey: .correctedPValue)
    }
}

extension ArmReport {
    /// The counts alone; rates and intervals follow from them. Counts the store cannot have
    /// produced (negative, or more openers than receivers) are clamped rather than trapping.
    init(counts: ArmCounts, isControl: Bool) {
        let receivers = max(0, counts.receivers)
        let openers = min(max(0, counts.openers), receivers)
        self.init(
            variant: counts.variant, isControl: isControl, pushes: counts.pushes, receivers: receivers, opens: counts.opens, openers: openers,
            notExposed: counts.notExposed, overridden: counts.overridden,
            openRate: receivers > 0 ? Double(openers) / Double(receivers) : nil,
            interval: WilsonInterval(successes: openers, trials: receivers),
            absoluteLift: nil, relativeLift: nil, pValue: nil, correctedPValue: nil)
    }

    /// Lift against the control, and the p-value when `testing` and both arms have receivers.
    mutating func compare(with control: ArmReport, analysis: ExperimentDesign.Analysis, testing: Bool) {
        guard let rate = openRate, let controlRate = control.openRate else { return }
        absoluteLift = rate - controlRate
        relativeLift = controlRate > 0 ? rate / controlRate - 1 : nil
        guard testing else { return }
        switch analysis {
        case .fixed:
            pValue = TwoProportionZTest(successesA: control.openers, trialsA: control.receivers, successesB: openers, trialsB: receivers).pValue
        case .sequential:
            pValue = MixtureSPRT(successesA: control.openers, trialsA: control.receivers, successesB: openers, trialsB: receivers).pValue
        }
    }
}
