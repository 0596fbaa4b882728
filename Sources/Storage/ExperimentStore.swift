import Experiments

/// Where experiments' exposures, per-user overrides, open events and bandit weights are
/// kept: through one store, so every instance sharing a database assigns and counts alike.
/// Drivers: SQLite (`experiments.sqlite` in the data directory); PostgreSQL.
public protocol ExperimentStore: Sendable {
    /// Records what hook calls sent (or assigned and not sent), in one transaction however
    /// many (the server writes thousands of receivers at a time); a repeated (push id,
    /// receiver, experiment) is ignored, whatever its status. A push is kept as one row per
    /// experiment, variant and status with its receivers; only exposed receivers get a row
    /// of their own (their counts and latest push). A driver may count them later (SQLite
    /// does, on a thread of the lowest priority), but every read of the store counts what
    /// was recorded before it first: `armCounts` and `recordOpens` see it all.
    func recordExposures(_ calls: [CallExposures]) async throws

    /// Receivers recorded and not yet counted (a driver that counts as it records: 0).
    var uncountedReceivers: Int { get }

    /// Records open events, each once: a second event for the same (push id, receiver) is a
    /// `duplicate`, in a later call or the same one. An event counts when it names an
    /// exposed push (by push id, or by the receiver's latest exposed push of that
    /// experiment and variant at or before its time) and comes within the experiment's
    /// window after that push.
    ///
    /// - With a push id, `experiment` and `variant` are not used; `receiver` is needed
    ///   when the push reached several receivers, whatever their status (else
    ///   `receiverNeeded`).
    /// - Without one, `receiver` and `experiment` are needed (else `unknownPush`). When
    ///   the receiver was exposed again after the event (a late report), the push is
    ///   looked for among those within the experiment's window before the event: an
    ///   older one would not count.
    /// - A push only assigned (`notExposed`) or forced by an override (`overridden`) has
    ///   no exposure to count towards: its opens are `unknownPush`.
    /// - `counted` and `outsideWindow` events are stored (a later report of the same push
    ///   and receiver is a `duplicate`); `unknownPush` and `receiverNeeded` ones are not,
    ///   so the same event counts once its push has been recorded.
    /// - A push exposed to one receiver in several experiments counts for each whose
    ///   window holds the open.
    /// - Parameter windows: experiment → seconds an open counts after its push; an
    ///   experiment not in it gets 24 hours.
    /// - Returns: one outcome per event, in order.
    func recordOpens(_ events: [OpenEvent], windows: [String: Double]) async throws -> [OpenEventOutcome]

    /// The experiment's counts per variant, by variant name (variants with nothing
    /// recorded are absent). `pushes`, `notExposed` and `overridden` count (push,
    /// receiver) records; `receivers` and `openers` distinct receivers. Without `since`
    /// the drivers read one row of counters per variant, kept up to date with each
    /// batch; with `since`, only pushes at or after it (seconds since 1970) and their
    /// opens, read from the push rows themselves (receivers counted in memory): slower,
    /// in proportion to the pushes since then.
    func armCounts(experiment: String, since: Double?) async throws -> [ArmCounts]

    /// Forces `variant` on `unit` (a receiver or conversation id) for QA; replaces any
    /// earlier override of the same unit. Drivers shared by several instances announce
    /// the change (`StateChange.experimentOverride`) in its transaction; a removal only
    /// when there was one.
    func setOverride(_ override: ExperimentOverride) async throws
    /// Whether there was one to remove.
    func removeOverride(experiment: String, unit: String) async throws -> Bool
    /// Every override, or those of one experiment; by experiment, then unit.
    func overrides(experiment: String?) async throws -> [ExperimentOverride]

    /// Stores a bandit's weights for a minute unless another instance stored that
    /// minute's first; returns the stored row (this one, or the earlier one).
    func saveWeights(_ update: WeightUpdate) async throws -> WeightUpdate
    /// The experiment's weight updates, oldest first.
    func weightHistory(experiment: String) async throws -> [WeightUpdate]
}

/// What one push did with an experiment's variant for one receiver.
public enum ExposureStatus: String, Sendable, Equatable, Codable {
    /// The receiver was sent the variant's payload (in the hook's answer or queued).
    case exposed
    /// Assigned the variant but sent another payload (coalesced into the answer) or none
    /// (no device for a `builtin: false` template): not an exposure.
    case notExposed = "not-exposed"
    /// The variant was forced by a per-user override: kept, never counted.
    case overridden
}

/// "The app was opened from this push", as the app's backend reports it: by push id (and
/// the receiver, needed when one built-in push reached several), or by receiver,
/// experiment and variant.
public struct OpenEvent: Sendable, Equatable {
    public var pushId: String?
    public var receiver: String?
    public var experiment: String?
    public var variant: String?
    /// Seconds since 1970.
    public var time: Double

    public init(pushId: String? = nil, receiver: String? = nil, experiment: String? = nil, variant: String? = nil, time: Double) {
        self.pushId = pushId
        self.receiver = receiver
        self.experiment = experiment
        self.variant = variant
        self.time = time
    }
}

public enum OpenEventOutcome: String, Sendable, Equatable, Codable {
    /// Stored and counted towards its push's variant.
    case counted
    /// The same (push id, receiver) was reported before: nothing changed.
    case duplicate
    /// Stored, but after the experiment's window (or before the push): not counted.
    case outsideWindow = "outside-window"
    /// No exposed push matches: ignored, only counted.
    case unknownPush = "unknown-push"
    /// The push id reached several receivers and the event names none of them: ignored.
    case receiverNeeded = "receiver-needed"
}

public struct ExperimentOverride: Sendable, Equatable {
    public var experiment: String
    public var unit: String
    public var variant: String
    /// Seconds since 1970.
    public var createdAt: Double

    public init(experiment: String, unit: String, variant: String, createdAt: Double) {
        self.experiment = experiment
        self.unit = unit
        self.variant = variant
        self.createdAt = createdAt
    }
}
