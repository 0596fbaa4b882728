/// Which jobs to list: nil fields match every job.
public struct JobFilter: Sendable, Equatable {
    public var state: JobState?
    public var provider: ProviderKind?

    public init(state: JobState? = nil, provider: ProviderKind? = nil) {
        self.state = state
        self.provider = provider
    }
}
