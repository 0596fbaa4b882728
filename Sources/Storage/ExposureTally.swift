/// What a batch of new push rows adds to the counters: per experiment and variant
/// (pushes, not exposed, overridden), and per exposed receiver (pushes, and the latest
/// push, which events naming the receiver instead of the push open). Summed in memory so
/// that a store writes each counter row once per batch.
public struct ExposureTally: Sendable {
    public struct ArmKey: Hashable, Sendable {
        public var experiment: String
        public var variant: String

        public init(experiment: String, variant: String) {
            self.experiment = experiment
            self.variant = variant
        }
    }

    public struct Arm: Sendable {
        public var pushes = 0
        public var notExposed = 0
        public var overridden = 0
    }

    public struct ReceiverKey: Hashable, Sendable {
        public var experiment: String
        public var receiver: String
        public var variant: String
    }

    public struct Receiver: Sendable {
        public var pushes = 0
        public var latestPushId = ""
        public var latestTime = -Double.infinity
    }

    public private(set) var arms: [ArmKey: Arm] = [:]
    public private(set) var receivers: [ReceiverKey: Receiver] = [:]

    public init() {}

    /// Adds `row`'s receivers (only those not recorded before).
    public mutating func add(_ row: PushExposure) {
        let arm = ArmKey(experiment: row.experiment, variant: row.variant)
        switch row.status {
        case .exposed:
            arms[arm, default: Arm()].pushes += row.receivers.count
            for receiver in row.receivers {
                let key = ReceiverKey(experiment: row.experiment, receiver: receiver, variant: row.variant)
                receivers[key, default: Receiver()].add(pushId: row.pushId, time: row.time)
            }
        case .notExposed: arms[arm, default: Arm()].notExposed += row.receivers.count
        case .overridden: arms[arm, default: Arm()].overridden += row.receivers.count
        }
    }

    /// The receivers of each arm, by the time of their latest push in the batch (the
    /// time of the call that pushed them): a store writes each list at once.
    public var receiversByArmAndTime: [ArmTime: [(receiver: String, pushes: Int, latestPushId: String)]] {
        var lists: [ArmTime: [(receiver: String, pushes: Int, latestPushId: String)]] = [:]
        for (key, added) in receivers {
            lists[ArmTime(arm: ArmKey(experiment: key.experiment, variant: key.variant), time: added.latestTime), default: []]
                .append((key.receiver, added.pushes, added.latestPushId))
        }
        return lists
    }

    public struct ArmTime: Hashable, Sendable {
        public var arm: ArmKey
        /// Seconds since 1970.
        public var time: Double
    }

    /// The arms in key order: concurrent writers lock them in the same order.
    public var sortedArms: [(key: ArmKey, value: Arm)] {
        arms.sorted { ($0.key.experiment, $0.key.variant) < ($1.key.experiment, $1.key.variant) }
    }

    /// The receivers in key order, for the same reason.
    public var sortedReceivers: [(key: ReceiverKey, value: Receiver)] {
        receivers.sorted { ($0.key.experiment, $0.key.receiver, $0.key.variant) < ($1.key.experiment, $1.key.receiver, $1.key.variant) }
    }
}

extension ExposureTally.Receiver {
    mutating func add(pushId: String, time: Double) {
        pushes += 1
        if time >= latestTime {
            latestPushId = pushId
            latestTime = time
        }
    }
}
