/// An experiment a template declares: its variants, each a template of its own (the
/// declaring template with the variant's overrides), and how units are assigned to them.
public struct TemplateExperiment: Sendable {
    public struct Variant: Sendable {
        public var name: String
        public var weight: Double
        public var isControl: Bool
        public var template: any PushTemplate

        public init(name: String, weight: Double, isControl: Bool, template: any PushTemplate) {
            self.name = name
            self.weight = weight
            self.isControl = isControl
            self.template = template
        }
    }

    public var name: String
    public var unit: ExperimentUnit
    public var variants: [Variant]
    /// Seconds since 1970; outside [start, end) the template's control variant is sent to
    /// everybody and nothing is recorded.
    public var start: Double?
    public var end: Double?
    /// Whether pushes carry `_pc` (push id, experiment, variant) for the app to report opens.
    public var tagsPayload: Bool
    /// Set in bandit mode: the least share of assignments any variant keeps while the
    /// weights adapt.
    public var banditFloor: Double?

    public init(
        name: String, unit: ExperimentUnit, variants: [Variant], start: Double?, end: Double?, tagsPayload: Bool, banditFloor: Double? = nil
    ) {
        self.banditFloor = banditFloor
        self.name = name
        self.unit = unit
        self.variants = variants
        self.start = start
        self.end = end
        self.tagsPayload = tagsPayload
    }

    public var controlIndex: Int { variants.firstIndex(where: \.isControl) ?? 0 }

    /// Whether the experiment runs at `now` (seconds since 1970); nil: always.
    public func isRunning(at now: Double?) -> Bool {
        guard let now else { return true }
        if let start, now < start { return false }
        if let end, now >= end { return false }
        return true
    }

    /// The payload member that tells the app which push this is and what it tested:
    /// `"_pc": {"id": …, "x": experiment, "v": variant}`.
    public static let payloadMember = "_pc"

    static func tag(id: String, experiment: String, variant: String) -> JSONValue {
        .object([(key: "id", value: .string(id)), (key: "x", value: .string(experiment)), (key: "v", value: .string(variant))])
    }
}

/// The experiment state a composer reads besides the templates: per-unit overrides (QA)
/// and a bandit's current weights. Kept by the server; the composer only reads it.
public protocol ExperimentLookup: Sendable {
    /// The variant forced on `unit` for `experiment`, if any.
    func override(experiment: String, unit: String) -> String?
    /// Whether any unit of `experiment` may have an override: when not, a call asks no
    /// receiver's (true unless a lookup knows better).
    func hasOverrides(experiment: String) -> Bool
    /// Variant name → weight, when a bandit adapted them; nil: the declared weights.
    func adaptiveWeights(experiment: String) -> [String: Double]?
}

extension ExperimentLookup {
    public func hasOverrides(experiment: String) -> Bool { true }
}

/// No overrides, declared weights.
public struct NoExperimentState: ExperimentLookup {
    public init() {}
    public func override(experiment: String, unit: String) -> String? { nil }
    public func hasOverrides(experiment: String) -> Bool { false }
    public func adaptiveWeights(experiment: String) -> [String: Double]? { nil }
}
