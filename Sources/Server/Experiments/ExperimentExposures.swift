import PushCompose
import Storage

/// The exposures one call leaves in the store and the audit log: every assigned receiver
/// who was pushed, grouped by variant, status and channel, with the push that reached
/// them (the call's id for the built-in answer, their queued push's for the custom
/// channel). Receivers not pushed at all leave none.
enum ExperimentExposures {
    /// - Parameter pushIds: the push id of each of `plan.custom`, in order.
    static func make(_ plan: HookPlan, call: String, pushIds: [String], time: Double) -> CallExposures? {
        guard let experiment = plan.experiment else { return nil }
        var customPush: [String: String] = [:]
        if !plan.custom.isEmpty {
            customPush.reserveCapacity(plan.custom.count)
            for (route, pushId) in zip(plan.custom, pushIds) { customPush[route.receiver] = pushId }
        }
        struct Key: Equatable {
            var variant: String
            var status: ExposureStatus
            var queued: Bool
        }
        var keys: [Key] = []
        var groups: [CallExposures.Group] = []
        for assignment in experiment.assignments {
            let queued: String?
            let status: ExposureStatus
            switch assignment.delivery {
            case .answer:
                (queued, status) = (nil, .exposed)
            case .custom:
                guard let id = customPush[assignment.receiver] else { continue }
                (queued, status) = (id, .exposed)
            case .notExposed:
                (queued, status) = (customPush[assignment.receiver], .notExposed)
            case .notPushed:
                continue
            }
            let key = Key(variant: assignment.variant, status: assignment.overridden ? .overridden : status, queued: queued != nil)
            if let index = keys.firstIndex(of: key) {
                groups[index].receivers.append(assignment.receiver)
                if let queued { groups[index].pushIds.append(queued) }
            } else {
                keys.append(key)
                groups.append(CallExposures.Group(variant: key.variant, status: key.status, receivers: [assignment.receiver], pushIds: [queued ?? call]))
            }
        }
        guard !groups.isEmpty else { return nil }
        return CallExposures(
            experiment: experiment.experiment, conversationUnit: experiment.unit == .conversation ? experiment.assignments.first?.unit : nil,
            time: time, groups: groups)
    }
}
