/// Tells the workers that a provider has work: the enqueuer signals after each commit,
/// and an operator's retry of dead jobs too. A PostgreSQL driver signals it on
/// `LISTEN/NOTIFY`, so work queued by another instance wakes this one.
public final class WorkSignal: Sendable {
    private let wakeups: [ProviderKind: Wakeup]

    public init() {
        wakeups = Dictionary(uniqueKeysWithValues: ProviderKind.allCases.map { ($0, Wakeup()) })
    }

    public func notify(_ provider: ProviderKind) {
        wakeups[provider]!.signal()
    }

    public func notifyAll() {
        for wakeup in wakeups.values { wakeup.signal() }
    }

    func wakeup(_ provider: ProviderKind) -> Wakeup {
        wakeups[provider]!
    }
}
