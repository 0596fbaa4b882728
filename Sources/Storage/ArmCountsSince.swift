import Experiments

/// A report since a time, summed in memory from the push rows since then (receivers
/// joined as stored) and their counted opens: distinct receivers need the receivers
/// themselves.
public struct ArmCountsSince: Sendable {
    private struct Arm {
        var pushes = 0
        var receivers = Set<String>()
        var opens = 0
        var openers = Set<String>()
        var notExposed = 0
        var overridden = 0
    }

    private var byVariant: [String: Arm] = [:]

    public init() {}

    /// A push row: `count` receivers, `receivers` as stored.
    public mutating func add(variant: String, status: ExposureStatus, count: Int, receivers: String) {
        switch status {
        case .exposed:
            byVariant[variant, default: Arm()].pushes += count
            for receiver in PushExposure.receivers(joined: receivers) { byVariant[variant, default: Arm()].receivers.insert(receiver) }
        case .notExposed: byVariant[variant, default: Arm()].notExposed += count
        case .overridden: byVariant[variant, default: Arm()].overridden += count
        }
    }

    /// A counted open of a push since then.
    public mutating func addOpen(variant: String, receiver: String) {
        byVariant[variant, default: Arm()].opens += 1
        byVariant[variant, default: Arm()].openers.insert(receiver)
    }

    /// By variant name.
    public var arms: [ArmCounts] {
        byVariant.sorted { $0.key < $1.key }.map { variant, arm in
            ArmCounts(
                variant: variant, pushes: arm.pushes, receivers: arm.receivers.count, opens: arm.opens, openers: arm.openers.count,
                notExposed: arm.notExposed, overridden: arm.overridden)
        }
    }
}
