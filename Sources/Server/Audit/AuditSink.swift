/// Where decisions are recorded. `record` sits in the hook's path: it returns once the
/// record is with the operating system (written, not necessarily on disk), so that a
/// hook is never answered with its record still in the process's memory.
protocol AuditSink: Sendable {
    func record(_ line: AuditLine) async
    /// Returns once every record given before the call is on disk (fsync).
    func flush() async
}
