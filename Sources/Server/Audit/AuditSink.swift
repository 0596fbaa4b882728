/// Where decisions are recorded. `record` sits in the hook's path: it returns once the
/// record is with the operating system (written, not necessarily on disk), so that a
/// hook is never answered with its record still in the process's memory.
protocol AuditSink: Sendable {
    /// Records given together are written together, in order.
    func record(_ lines: [AuditLine]) async
    /// Hands records to the writer without waiting for them: they are written at once, in
    /// order before any record given later, so a later `record`'s return covers them.
    func submit(_ lines: [AuditLine])
    /// Returns once every record given before the call is on disk (fsync).
    func flush() async
}

extension AuditSink {
    func record(_ line: AuditLine) async {
        await record([line])
    }
}
