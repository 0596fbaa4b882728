import Foundation

/// The queue at one moment, per provider.
public struct QueueStats: Sendable, Equatable {
    public struct Counts: Sendable, Equatable {
        public var ready = 0
        public var leased = 0
        public var dead = 0
        /// Jobs finished since the queue was created: delivered, or dropped because the
        /// provider said the device is gone.
        public var delivered = 0
        public var deviceGone = 0

        public init(ready: Int = 0, leased: Int = 0, dead: Int = 0, delivered: Int = 0, deviceGone: Int = 0) {
            self.ready = ready
            self.leased = leased
            self.dead = dead
            self.delivered = delivered
            self.deviceGone = deviceGone
        }
    }

    /// Providers with no job ever are absent.
    public var byProvider: [ProviderKind: Counts]
    /// When the oldest ready job was queued; nil when none is ready.
    public var oldestReadyQueuedAt: Date?

    public init(byProvider: [ProviderKind: Counts], oldestReadyQueuedAt: Date?) {
        self.byProvider = byProvider
        self.oldestReadyQueuedAt = oldestReadyQueuedAt
    }

    public func counts(_ provider: ProviderKind) -> Counts {
        byProvider[provider] ?? Counts()
    }

    /// How long the oldest ready job has waited at `now`; zero when none is ready.
    public func oldestReadyAge(now: Date) -> Duration {
        guard let oldestReadyQueuedAt else { return .zero }
        return .milliseconds(max(0, Int64((now.timeIntervalSince(oldestReadyQueuedAt) * 1000).rounded())))
    }
}
