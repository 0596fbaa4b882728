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
    public var pushGroups: [PushExposure] {
        var rows: [PushExposure] = []
        var rowIndex: [PushExposureKey: Int] = [:]
        var reached: [PushExperimentKey: Set<String>] = [:]
        for call in self {
            for group in call.groups {
                for (index, receiver) in group.receivers.enumerated() {
                    let pushId = group.pushId(at: index)
                    guard reached[PushExperimentKey(pushId: pushId, experiment: call.experiment), default: []].insert(receiver).inserted else {
                        continue
                    }
                    let key = PushExposureKey(pushId: pushId, experiment: call.experiment, variant: group.variant, status: group.status)
                    if let row = rowIndex[key] {
                        rows[row].receivers.append(receiver)
                    } else {
                        rowIndex[key] = rows.count
                        rows.append(
                            PushExposure(
                                pushId: pushId, experiment: call.experiment, variant: group.variant, status: group.status, time: call.time,
                                receivers: [receiver], conversationUnit: call.conversationUnit))
                    }
                }
            }
        }
        return rows
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
