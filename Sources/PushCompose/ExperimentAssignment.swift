/// One call's assignments of an experiment's variants: per receiver, or once for the
/// conversation; an override (QA) wins over the hash, a bandit's weights over the
/// declared ones. A class: the composer's receiver loop used to copy the struct it held
/// in an optional for each receiver.
final class ExperimentAssignment {
    private let experiment: TemplateExperiment
    private let lookup: any ExperimentLookup
    /// Each variant's last bucket + 1, from the weights in use.
    private let bounds: [Int]
    /// The conversation's variant, for a conversation-unit experiment.
    private var conversationVariant: (index: Int, overridden: Bool)?
    private let conversation: String
    /// The experiment's share of every unit's hash.
    private let hashPrefix: UInt64
    /// False when the experiment has no override: no receiver's is looked up.
    private let overridable: Bool
    private(set) var assigned: [(receiver: String, variant: String, unit: String, overridden: Bool)] = []

    init(_ experiment: TemplateExperiment, lookup: any ExperimentLookup, conversation: String) {
        self.experiment = experiment
        self.lookup = lookup
        self.conversation = conversation
        hashPrefix = VariantAssignment.prefix(experiment: experiment.name)
        overridable = lookup.hasOverrides(experiment: experiment.name)
        let weights: [Double]
        if let adaptive = lookup.adaptiveWeights(experiment: experiment.name) {
            weights = experiment.variants.map { adaptive[$0.name] ?? 0 }
        } else {
            weights = experiment.variants.map(\.weight)
        }
        bounds = VariantAssignment.bounds(weights: weights)
        if experiment.unit == .conversation { conversationVariant = variant(of: conversation) }
    }

    private func variant(of unit: String) -> (index: Int, overridden: Bool) {
        if overridable, let forced = lookup.override(experiment: experiment.name, unit: unit),
           let index = experiment.variants.firstIndex(where: { $0.name == forced })
        {
            return (index, true)
        }
        let bucket = VariantAssignment.bucket(of: unit, after: hashPrefix)
        return (VariantAssignment.variant(bucket: bucket, bounds: bounds), false)
    }

    /// The variant index for `receiver`, remembered for the plan.
    func assign(_ receiver: String) -> Int {
        let unit = experiment.unit == .conversation ? conversation : receiver
        let chosen = conversationVariant ?? variant(of: receiver)
        assigned.append((receiver: receiver, variant: experiment.variants[chosen.index].name, unit: unit, overridden: chosen.overridden))
        return chosen.index
    }
}
