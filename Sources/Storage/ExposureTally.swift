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
    /// Per arm, its exposed receivers: a receiver's id is hashed alone, not with its arm.
    private var receiversByArm: [ArmKey: [String: Receiver]] = [:]

    public init() {}

    /// Adds `row` (only receivers not recorded before) to its arm's counters and, when
    /// exposed, its receivers to theirs.
    public mutating func add(_ row: PushExposure) {
        addToArm(row)
        if case .exposed = row.status {
            Self.add(row, to: &receiversByArm[ArmKey(experiment: row.experiment, variant: row.variant), default: [:]])
        }
    }

    /// Adds `row` to its arm's counters alone, for a store that writes the receivers'
    /// rows itself.
    public mutating func addToArm(_ row: PushExposure) {
        let arm = ArmKey(experiment: row.experiment, variant: row.variant)
        switch row.status {
        case .exposed: arms[arm, default: Arm()].pushes += row.receivers.count
        case .notExposed: arms[arm, default: Arm()].notExposed += row.receivers.count
        case .overridden: arms[arm, default: Arm()].overridden += row.receivers.count
        }
    }

    private static func add(_ row: PushExposure, to receivers: inout [String: Receiver]) {
        for receiver in row.receivers { receivers[receiver, default: Receiver()].add(pushId: row.pushId, time: row.time) }
    }

    /// The arms in key order: concurrent writers lock them in the same order.
    public var sortedArms: [(key: ArmKey, value: Arm)] {
        arms.sorted { ($0.key.experiment, $0.key.variant) < ($1.key.experiment, $1.key.variant) }
    }

    /// Every exposed receiver of the batch, once per arm, in key order, for the same reason.
    public var sortedReceivers: [(key: ReceiverKey, value: Receiver)] {
        receiversByArm.flatMap { arm, receivers in
            receivers.map { (key: ReceiverKey(experiment: arm.experiment, receiver: $0.key, variant: arm.variant), value: $0.value) }
        }.sorted { ($0.key.experiment, $0.key.receiver, $0.key.variant) < ($1.key.experiment, $1.key.receiver, $1.key.variant) }
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
