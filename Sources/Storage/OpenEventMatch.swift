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

    /// The event's target among `exposed`, the exposed pushes (to every receiver) of the
    /// push id it names or was resolved to. A push that reached several receivers needs
    /// the event to name one.
    public static func target(of event: OpenEvent, pushId: String, exposed: [ExposedPush]) -> Target {
        let candidates = event.receiver.map { receiver in exposed.filter { $0.receiver == receiver } } ?? exposed
        guard let receiver = candidates.first?.receiver else { return .ignored(.unknownPush) }
        guard candidates.allSatisfy({ $0.receiver == receiver }) else { return .ignored(.receiverNeeded) }
        return .opened(pushId: pushId, receiver: receiver, exposures: candidates)
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
