import PushCompose
import Storage

/// The exposures one call leaves in the store: every assigned receiver who was pushed,
/// with the id of the push that reached them (the call's for the built-in answer, their
/// queued push's for the custom channel). Receivers not pushed at all leave none.
enum ExperimentExposures {
    /// - Parameter pushIds: the push id of each of `plan.custom`, in order.
    static func make(_ plan: HookPlan, call: String, pushIds: [String], time: Double) -> [ExperimentExposure] {
        guard let experiment = plan.experiment else { return [] }
        var customPush: [String: String] = [:]
        for (route, pushId) in zip(plan.custom, pushIds) { customPush[route.receiver] = pushId }
        return experiment.assignments.compactMap { assignment in
            let pushId: String
            let status: ExposureStatus
            switch assignment.delivery {
            case .answer:
                pushId = call
                status = .exposed
            case .custom:
                guard let id = customPush[assignment.receiver] else { return nil }
                pushId = id
                status = .exposed
            case .notExposed:
                pushId = customPush[assignment.receiver] ?? call
                status = .notExposed
            case .notPushed:
                return nil
            }
            return ExperimentExposure(
                experiment: experiment.experiment, variant: assignment.variant, unit: assignment.unit, receiver: assignment.receiver,
                pushId: pushId, time: time, status: assignment.overridden ? .overridden : status)
        }
    }
}
