/// What `AuditVerifier` found: each stream checked on its own, reported together.
public struct VerifyReport: Sendable {
    /// By stream name ("" first).
    public var streams: [StreamVerification]
    /// The `since` time the check started at, if any.
    public var since: String?

    public init(streams: [StreamVerification], since: String?) {
        self.streams = streams
        self.since = since
    }

    /// No problem in any stream.
    public var holds: Bool { streams.allSatisfy(\.holds) }
}
