/// What the report needs to know of an experiment as its template declares it.
public struct ExperimentDesign: Sendable, Equatable, Codable {
    public struct Variant: Sendable, Equatable, Codable {
        public var name: String
        /// Declared weight (any positive scale; the assignment normalises).
        public var weight: Double
        public var isControl: Bool

        public init(name: String, weight: Double, isControl: Bool) {
            self.name = name
            self.weight = weight
            self.isControl = isControl
        }
    }

    /// How significance is judged.
    public enum Analysis: String, Sendable, Equatable, Codable {
        /// A fixed-horizon two-proportion z-test: valid when read once, at the planned sample.
        case fixed
        /// An always-valid test (mSPRT): may be read at any time, as often as wanted.
        case sequential
    }

    public var name: String
    /// `conversation` or `receiver`.
    public var unit: String
    public var variants: [Variant]
    /// Exposed receivers each arm needs before the report names a winner.
    public var minimumSample: Int
    public var analysis: Analysis
    /// Thompson sampling adapts the weights (bandit mode).
    public var bandit: Bool
    /// Seconds after a push an open counts for it.
    public var openWindow: Double
    /// Seconds since 1970; nil: open-ended.
    public var start: Double?
    public var end: Double?

    public init(
        name: String, unit: String, variants: [Variant], minimumSample: Int, analysis: Analysis = .fixed, bandit: Bool = false,
        openWindow: Double = 86_400, start: Double? = nil, end: Double? = nil
    ) {
        self.name = name
        self.unit = unit
        self.variants = variants
        self.minimumSample = minimumSample
        self.analysis = analysis
        self.bandit = bandit
        self.openWindow = openWindow
        self.start = start
        self.end = end
    }

    public var control: Variant? { variants.first(where: \.isControl) }
}
