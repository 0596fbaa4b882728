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

    /// An instance working the queue: its workers and the jobs it holds now.
    public struct Instance: Sendable, Equatable {
        public var id: String
        /// Attempts it may have in flight at once, all providers together; 0 when it
        /// holds leases but never reported (`DeliveryQueue.heartbeat`).
        public var workers: Int
        public var leases: Int
        /// Its last heartbeat; nil when it never reported.
        public var lastSeenAt: Date?

        public init(id: String, workers: Int, leases: Int, lastSeenAt: Date?) {
            self.id = id
            self.workers = workers
            self.leases = leases
            self.lastSeenAt = lastSeenAt
        }
    }

    /// Providers with no job ever are absent.
    public var byProvider: [ProviderKind: Counts]
    /// When the oldest ready job was queued; nil when none is ready.
    public var oldestReadyQueuedAt: Date?
    /// By id: the instances that reported within a day, and any that holds a lease.
    public var instances: [Instance]
    /// Hook calls' records accepted and not yet admitted into the queue (`PushIntake`):
    /// a few at most while admission keeps up; always 0 without an intake.
    public var intakeRecords: Int

    public init(byProvider: [ProviderKind: Counts], oldestReadyQueuedAt: Date?, instances: [Instance] = [], intakeRecords: Int = 0) {
        self.byProvider = byProvider
        self.oldestReadyQueuedAt = oldestReadyQueuedAt
        self.instances = instances
        self.intakeRecords = intakeRecords
    }

    /// Instances from their reports (id → workers, last seen) and their leases.
    public static func instances(reports: [String: (workers: Int, lastSeenAt: Date)], leases: [String: Int]) -> [Instance] {
        Set(reports.keys).union(leases.keys).sorted().map { id in
            Instance(id: id, workers: reports[id]?.workers ?? 0, leases: leases[id] ?? 0, lastSeenAt: reports[id]?.lastSeenAt)
        }
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
