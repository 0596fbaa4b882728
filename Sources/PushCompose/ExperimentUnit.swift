/// What an experiment assigns variants to.
public enum ExperimentUnit: String, Sendable, Equatable, CaseIterable {
    /// Every receiver of one message gets the same variant: one payload, so the built-in
    /// push alone carries the experiment.
    case conversation
    /// Each receiver keeps their variant across messages; receivers of one message may get
    /// different variants, which the custom channel delivers apart.
    case receiver
}
