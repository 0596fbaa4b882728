/// Where decisions and deliveries are recorded. `record` never waits on disk: it sits
/// in the hook's path.
protocol AuditSink: Sendable {
    func record(_ line: AuditLine)
    /// Returns once every record given before the call is written.
    func flush() async
}
