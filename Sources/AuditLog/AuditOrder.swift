/// Which records a search hands over first (`order=oldest` or `newest` in the API).
/// Newest first is what "the last 20 hooks" needs: oldest first would give the first 20
/// of the time range instead.
public enum AuditOrder: String, Sendable, CaseIterable {
    case oldestFirst = "oldest"
    case newestFirst = "newest"
}
