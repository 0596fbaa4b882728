import PushCompose

/// Where decisions and deliveries are recorded. `record` never waits on disk: it sits
/// in the hook's path.
protocol AuditSink: Sendable {
    func record(_ record: JSONValue)
    /// Returns once every record given before the call is written.
    func flush() async
}
