/// What `AuditVerifier` found in one stream (one writer's chain).
public struct StreamVerification: Sendable {
    /// Where the checked history starts.
    public enum HistoryStart: Sendable, Equatable {
        /// The first record links to the chain's genesis: nothing came before it.
        case genesis
        /// Retention deleted older files: a `checkpoint` record (at `file`:`line`) names
        /// the first kept record's `prev`.
        case checkpoint(file: String, line: Int)
        /// `--since`: the check starts at the first record at or after it, its link taken
        /// as it is.
        case since
        /// Nothing sealed was checked (no records, or only records before the chain).
        case none
        /// The first record links to earlier history and the check stopped (at a problem)
        /// before any checkpoint that would explain it.
        case unconfirmed
    }

    /// "" for the single instance's stream.
    public var stream: String
    /// Files read, in order (up to the problem when there is one).
    public var files: [String] = []
    /// Records checked (complete lines).
    public var records = 0
    /// Bytes of the lines checked, uncompressed, newlines included.
    public var bytes = 0
    /// The first problem; nil when the chain holds.
    public var problem: VerifyFinding?
    public var tornEnd: VerifyTornEnd?
    public var gaps: [VerifyGap] = []
    public var repairs: [VerifyRepair] = []
    /// Records at the start of the history written before the chain (schema 0: `type`,
    /// no seal), readable but not verifiable.
    public var unsealed = 0
    public var start: HistoryStart = .none
    /// The first and last record times checked.
    public var firstTime: String?
    public var lastTime: String?

    public init(stream: String) {
        self.stream = stream
    }

    public var holds: Bool { problem == nil }
}
