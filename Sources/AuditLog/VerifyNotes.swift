/// A `gap` record: records the writer could not write, told in the chain (not tampering).
public struct VerifyGap: Sendable, Equatable {
    public var file: String
    public var line: Int
    public var time: String
    public var dropped: Int
    public var reason: String
}

/// A `repair` record: at a start, a line a crash had torn was moved to a side file.
public struct VerifyRepair: Sendable, Equatable {
    public var file: String
    public var line: Int
    public var time: String
    /// The file that ended inside a line, where it was cut, and where the fragment went.
    public var repairedFile: String
    public var offset: Int
    public var fragmentBytes: Int
    public var sideFile: String
}

/// The stream's newest file ends inside a line: a write a crash cut short. Not tampering:
/// the server sets the fragment aside at its next start and records a `repair`.
public struct VerifyTornEnd: Sendable, Equatable {
    public var file: String
    public var line: Int
    public var bytes: Int
}
