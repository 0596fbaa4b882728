/// What one call did with the experiment of its template, receiver by receiver: which
/// variant each was assigned and whether they were sent it. Exposure is what was
/// delivered, not what was assigned: a receiver answered or queued with their variant's
/// payload was exposed; one coalesced into an answer of another variant (or of the
/// fallback template), or left without a device, was assigned and not exposed.
public struct ExperimentPlan: Sendable, Equatable {
    public enum Delivery: String, Sendable, Equatable {
        /// In the hook's answer with the variant's payload.
        case answer
        /// Queued on the service's own channel with the variant's payload.
        case custom
        /// Sent another payload, or none for want of a device.
        case notExposed = "not-exposed"
        /// Not pushed at all (muted, mention-only, a failed render): neither exposed nor counted.
        case notPushed = "not-pushed"
    }

    public struct Assignment: Sendable, Equatable {
        public var receiver: String
        public var variant: String
        /// The unit's id: the receiver's, or the conversation's.
        public var unit: String
        /// A per-user override forced the variant: kept apart from the statistics.
        public var overridden: Bool
        public var delivery: Delivery

        public init(receiver: String, variant: String, unit: String, overridden: Bool, delivery: Delivery) {
            self.receiver = receiver
            self.variant = variant
            self.unit = unit
            self.overridden = overridden
            self.delivery = delivery
        }
    }

    public var experiment: String
    public var unit: ExperimentUnit
    /// In the request's order.
    public var assignments: [Assignment]

    public init(experiment: String, unit: ExperimentUnit, assignments: [Assignment]) {
        self.experiment = experiment
        self.unit = unit
        self.assignments = assignments
    }

    /// Where each assigned receiver's push went, read from the routed plan.
    /// - Parameter assigned: receiver → (variant, unit id, overridden), in request order.
    static func make(
        experiment: String, unit: ExperimentUnit, assigned: [(receiver: String, variant: String, unit: String, overridden: Bool)],
        plan: HookPlan
    ) -> ExperimentPlan {
        // Which variant a queued receiver was sent, by its route's group: the answer's
        // receivers need no lookup (the answer carries one variant).
        var customVariant: [String: String?] = [:]
        customVariant.reserveCapacity(plan.custom.count)
        for route in plan.custom { customVariant[route.receiver] = plan.groups[route.group].variant }
        let undeliverable = Set(plan.undeliverable)
        let unpushed = Set(plan.mutedUnforced).union(plan.excluded)
        let answeredVariant = plan.answeredGroup.map { plan.groups[$0].variant }
        let assignments = assigned.map { entry in
            let delivery: Delivery
            if unpushed.contains(entry.receiver) {
                delivery = .notPushed
            } else if let sentVariant = customVariant[entry.receiver] {
                delivery = sentVariant == entry.variant ? .custom : .notExposed
            } else if undeliverable.contains(entry.receiver) {
                delivery = .notExposed
            } else if let answeredVariant {
                delivery = answeredVariant == entry.variant ? .answer : .notExposed
            } else {
                delivery = .notPushed
            }
            return Assignment(receiver: entry.receiver, variant: entry.variant, unit: entry.unit, overridden: entry.overridden, delivery: delivery)
        }
        return ExperimentPlan(experiment: experiment, unit: unit, assignments: assignments)
    }
}
