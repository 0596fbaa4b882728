/// One call's assignments of an experiment's variants: per receiver, or once for the
/// conversation; an override (QA) wins over the hash, a bandit's weights over the
/// declared ones.
struct ExperimentAssignment {
    private let experiment: TemplateExperiment
    private let lookup: any ExperimentLookup
    private let weights: [Double]
    /// The conversation's variant, for a conversation-unit experiment.
    private var conversationVariant: (index: Int, overridden: Bool)?
    private let conversation: String
    private(set) var assigned: [(receiver: String, variant: String, unit: String, overridden: Bool)] = []

    init(_ experiment: TemplateExperiment, lookup: any ExperimentLookup, conversation: String) {
        self.experiment = experiment
        self.lookup = lookup
        self.conversation = conversation
        if let adaptive = lookup.adaptiveWeights(experiment: experiment.name) {
            weights = experiment.variants.map { adaptive[$0.name] ?? 0 }
        } else {
            weights = experiment.variants.map(\.weight)
        }
        if experiment.unit == .conversation { conversationVariant = variant(of: conversation) }
    }

    private func variant(of unit: String) -> (index: Int, overridden: Bool) {
        if let forced = lookup.override(experiment: experiment.name, unit: unit),
           let index = experiment.variants.firstIndex(where: { $0.name == forced })
        {
            return (index, true)
        }
        let bucket = VariantAssignment.bucket(experiment: experiment.name, unit: unit)
        return (VariantAssignment.variant(bucket: bucket, weights: weights), false)
    }

    /// The variant index for `receiver`, remembered for the plan.
    mutating func assign(_ receiver: String) -> Int {
        let unit = experiment.unit == .conversation ? conversation : receiver
        let chosen = conversationVariant ?? variant(of: receiver)
        assigned.append((receiver: receiver, variant: experiment.variants[chosen.index].name, unit: unit, overridden: chosen.overridden))
        return chosen.index
    }
}
