/// An exposure as an open event is matched against it: one receiver sent one push of
/// one experiment's variant.
public struct ExposedPush: Sendable, Equatable {
    public var pushId: String
    public var receiver: String
    public var experiment: String
    public var variant: String
    /// Seconds since 1970.
    public var time: Double

    public init(pushId: String, receiver: String, experiment: String, variant: String, time: Double) {
        self.pushId = pushId
        self.receiver = receiver
        self.experiment = experiment
        self.variant = variant
        self.time = time
    }
}

/// How an open event finds what it opened and whether it counts: the same rules in
/// every driver, which only look the exposures up.
public enum OpenEventMatch {
    /// How long after its push an open counts, for an experiment given no window.
    public static let defaultWindow: Double = 24 * 60 * 60

    /// What an event opened: the exposures of one receiver for one push.
    public enum Target: Equatable, Sendable {
        case opened(pushId: String, receiver: String, exposures: [ExposedPush])
        /// Nothing to count towards: `unknownPush` or `receiverNeeded`.
        case ignored(OpenEventOutcome)
    }

    /// The event's target among `pushed`, every row (any experiment and status) of the
    /// push id it names or was resolved to. A push that reached several receivers, however
    /// many of them it exposed, needs the event to name one; the receiver's opens count
    /// only where it was exposed.
    public static func target(of event: OpenEvent, pushId: String, pushed: [PushExposure]) -> Target {
        let receiver: String
        if let named = event.receiver {
            guard pushed.contains(where: { $0.receivers.contains(named) }) else { return .ignored(.unknownPush) }
            receiver = named
        } else {
            let reached = Set(pushed.flatMap(\.receivers))
            guard let only = reached.first else { return .ignored(.unknownPush) }
            guard reached.count == 1 else { return .ignored(.receiverNeeded) }
            receiver = only
        }
        let exposures = pushed.filter { $0.status == .exposed && $0.receivers.contains(receiver) }.map {
            ExposedPush(pushId: pushId, receiver: receiver, experiment: $0.experiment, variant: $0.variant, time: $0.time)
        }
        guard !exposures.isEmpty else { return .ignored(.unknownPush) }
        return .opened(pushId: pushId, receiver: receiver, exposures: exposures)
    }

    /// Whether an open at `time` counts, and the exposures it counts for: those whose
    /// experiment's window (from `windows`, else `defaultWindow`) after the push holds
    /// `time`. An open before its push does not count either.
    public static func outcome(at time: Double, of exposures: [ExposedPush], windows: [String: Double]) -> (OpenEventOutcome, counted: [ExposedPush]) {
        let counted = exposures.filter { exposure in
            let elapsed = time - exposure.time
            return elapsed >= 0 && elapsed <= windows[exposure.experiment, default: defaultWindow]
        }
        return (counted.isEmpty ? .outsideWindow : .counted, counted)
    }
}
