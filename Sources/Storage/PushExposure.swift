/// What a store keeps of one push in one experiment: the receivers it reached with one
/// variant and status, as one row. The built-in answer of a call to fifty receivers is a
/// row or two, not fifty.
public struct PushExposure: Sendable, Equatable {
    public var pushId: String
    public var experiment: String
    public var variant: String
    public var status: ExposureStatus
    /// Seconds since 1970.
    public var time: Double
    public var receivers: [String]
    /// The unit of every receiver in a conversation-unit experiment (the conversation's
    /// id); nil when each receiver is their own unit.
    public var conversationUnit: String?

    public init(
        pushId: String, experiment: String, variant: String, status: ExposureStatus, time: Double, receivers: [String], conversationUnit: String? = nil
    ) {
        self.pushId = pushId
        self.experiment = experiment
        self.variant = variant
        self.status = status
        self.time = time
        self.receivers = receivers
        self.conversationUnit = conversationUnit
    }

    /// Between receivers in a stored row: ids never hold control characters
    /// (`IdentifierRule`), so a newline cannot be part of one.
    public static let separator: Character = "\n"

    /// The receivers as stored.
    public var joinedReceivers: String { receivers.joined(separator: String(Self.separator)) }

    /// The receivers of a stored row.
    public static func receivers(joined: String) -> [String] {
        joined.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}

extension Array where Element == CallExposures {
    /// The batch as rows: one per push id, experiment, variant and status, each
    /// receiver once per push id and experiment (the first time it comes), in the order
    /// they came.
    ///
    /// A group answered by one push (the call's) looks its row and its push's receivers
    /// up once, not once per receiver: that is most groups, of up to thousands.
    public var pushGroups: [PushExposure] {
        var rows: [PushExposure] = []
        var rowIndex: [PushExposureKey: Int] = [:]
        var reached: [PushExperimentKey: Set<String>] = [:]
        /// Appends `receivers` (not yet reached by the push) to the push's row of `group`.
        func add(_ receivers: [String], pushId: String, group: CallExposures.Group, call: CallExposures) {
            let key = PushExposureKey(pushId: pushId, experiment: call.experiment, variant: group.variant, status: group.status)
            if let row = rowIndex[key] {
                rows[row].receivers += receivers
            } else {
                rowIndex[key] = rows.count
                rows.append(
                    PushExposure(
                        pushId: pushId, experiment: call.experiment, variant: group.variant, status: group.status, time: call.time,
                        receivers: receivers, conversationUnit: call.conversationUnit))
            }
        }
        for call in self {
            for group in call.groups {
                if group.pushIds.count == 1 {
                    let pushId = group.pushIds[0]
                    let fresh = Self.insert(group.receivers, into: &reached[PushExperimentKey(pushId: pushId, experiment: call.experiment), default: []])
                    if !fresh.isEmpty { add(fresh, pushId: pushId, group: group, call: call) }
                    continue
                }
                for (index, receiver) in group.receivers.enumerated() {
                    let pushId = group.pushIds[index]
                    guard reached[PushExperimentKey(pushId: pushId, experiment: call.experiment), default: []].insert(receiver).inserted else {
                        continue
                    }
                    add([receiver], pushId: pushId, group: group, call: call)
                }
            }
        }
        return rows
    }

    /// The receivers newly inserted into `reached`, in their order.
    private static func insert(_ receivers: [String], into reached: inout Set<String>) -> [String] {
        reached.reserveCapacity(reached.count + receivers.count)
        return receivers.filter { reached.insert($0).inserted }
    }
}

private struct PushExperimentKey: Hashable {
    var pushId: String
    var experiment: String
}

private struct PushExposureKey: Hashable {
    var pushId: String
    var experiment: String
    var variant: String
    var status: ExposureStatus
}
