/// How the workers claim and send.
public struct WorkerSettings: Sendable, Equatable {
    /// Attempts in flight at once per provider, unless `concurrencyByProvider` says otherwise.
    public var concurrency: Int
    public var concurrencyByProvider: [ProviderKind: Int]
    /// How long a claim holds a job. Longer than a provider's timeout, or a slow
    /// attempt's job is claimed again while it is still being sent.
    public var leaseDuration: Duration
    /// The longest a worker sleeps with nothing to do: the fallback when a wake-up is
    /// missed (another instance queued the work and nothing told this one).
    public var idlePoll: Duration
    /// On graceful shutdown, how long attempts in flight may take to finish before they
    /// are cancelled and their jobs given back.
    public var shutdownDeadline: Duration
    public var retry: RetryPolicy

    public init(
        concurrency: Int = 16, concurrencyByProvider: [ProviderKind: Int] = [:], leaseDuration: Duration = .seconds(60),
        idlePoll: Duration = .seconds(5), shutdownDeadline: Duration = .seconds(10), retry: RetryPolicy = RetryPolicy()
    ) {
        self.concurrency = concurrency
        self.concurrencyByProvider = concurrencyByProvider
        self.leaseDuration = leaseDuration
        self.idlePoll = idlePoll
        self.shutdownDeadline = shutdownDeadline
        self.retry = retry
    }

    func concurrency(of provider: ProviderKind) -> Int {
        max(1, concurrencyByProvider[provider] ?? concurrency)
    }
}
