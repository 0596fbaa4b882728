import PushCompose

/// The experiment variants a recorded call assigned, forced again on replay as overrides:
/// each receiver's (unit receiver) or the conversation's (unit conversation), read from
/// the variant of the groups in the record. A replay then does not depend on bandit
/// weights or overrides that changed since. Only the recorded experiment is forced: a
/// set whose template runs another experiment (or renames it) assigns that one afresh,
/// by the declared weights.
struct RecordedVariants: ExperimentLookup {
    private let experiment: String?
    /// Unit id (receiver or conversation) → variant name.
    private let variants: [String: String]

    init(record: JSONValue) {
        experiment = record["experiment"]?.stringValue
        var variants: [String: String] = [:]
        let conversationUnit = record["experimentUnit"]?.stringValue == ExperimentUnit.conversation.rawValue
        for group in record["groups"]?.asArray ?? [] {
            guard let variant = group["variant"]?.stringValue else { continue }
            if conversationUnit {
                if let conversation = record["conversation"]?.stringValue { variants[conversation] = variant }
            } else {
                for receiver in group["receivers"]?.asStrings ?? [] { variants[receiver] = variant }
            }
        }
        self.variants = variants
    }

    func override(experiment: String, unit: String) -> String? {
        experiment == self.experiment ? variants[unit] : nil
    }

    /// Units without a recorded variant (a receiver whose variant failed to render) are
    /// assigned by the declared weights.
    func adaptiveWeights(experiment: String) -> [String: Double]? { nil }
}
