/// Where decisions are recorded. `record` sits in the hook's path: it returns once the
/// record is kept by the operating system (in the audit journal's mapped pages, not
/// necessarily on disk), so that a hook is never answered with its record only in the
/// process's memory.
protocol AuditSink: Sendable {
    /// Records given together are written together, in order.
    func record(_ lines: [AuditLine]) async
    /// Hands records over without waiting for anything, even with fsync before answering:
    /// they are kept in order before any record given later.
    func submit(_ lines: [AuditLine])
    /// Returns once every record given before the call is on disk (fsync).
    func flush() async
}

extension AuditSink {
    func record(_ line: AuditLine) async {
        await record([line])
    }
}
