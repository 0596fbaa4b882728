/// Where a job is. Delivered jobs leave the queue (they are counted in the stats).
public enum JobState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Waiting for its time (`dueAt`) to be claimed; includes jobs whose lease ended.
    case ready
    /// Claimed by a worker until its lease ends.
    case leased
    /// Given up: kept with its reason until retried or purged.
    case dead
}
