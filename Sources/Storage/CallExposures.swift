/// One hook call's exposures of an experiment, grouped as they were sent: per variant and
/// status, the receivers and the push (or pushes) that reached them. A call to a hundred
/// receivers is a handful of groups, which is how it is handed to the store and written
/// to the audit log.
public struct CallExposures: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var variant: String
        public var status: ExposureStatus
        public var receivers: [String]
        /// One id for every receiver (the built-in answer, whose id is the call's), or one
        /// per receiver in `receivers`' order (pushes the service queued).
        public var pushIds: [String]

        public init(variant: String, status: ExposureStatus, receivers: [String], pushIds: [String]) {
            precondition(pushIds.count == 1 || pushIds.count == receivers.count, "one push id, or one per receiver")
            self.variant = variant
            self.status = status
            self.receivers = receivers
            self.pushIds = pushIds
        }
    }

    public var experiment: String
    /// The unit of every receiver in a conversation-unit experiment (the conversation's id);
    /// nil when each receiver is their own unit.
    public var conversationUnit: String?
    /// Seconds since 1970.
    public var time: Double
    public var groups: [Group]

    public init(experiment: String, conversationUnit: String?, time: Double, groups: [Group]) {
        self.experiment = experiment
        self.conversationUnit = conversationUnit
        self.time = time
        self.groups = groups
    }

    /// How many receivers the call's groups hold.
    public var count: Int { groups.reduce(0) { $0 + $1.receivers.count } }

    /// The unit `receiver` was assigned by.
    public func unit(of receiver: String) -> String { conversationUnit ?? receiver }
}
