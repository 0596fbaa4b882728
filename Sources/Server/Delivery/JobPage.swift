import Delivery

/// One page of the queue's jobs in id order, and the cursor of the next page: what the
/// admin API's `/v1/queue/jobs` and `pushcompose queue list` show.
struct JobPage: Sendable {
    /// The default and the largest number of jobs on a page.
    static let defaultLimit = 100
    static let maxLimit = 1000

    var jobs: [PushJob]
    /// The id to pass as `after` for the next page; nil on the last page.
    var next: Int64?

    /// Reads one job more than asked for, so that the last page says it is the last.
    static func read(_ queue: any DeliveryQueue, matching filter: JobFilter, afterId: Int64?, limit: Int) async throws -> JobPage {
        let jobs = try await queue.jobs(matching: filter, afterId: afterId, limit: limit + 1)
        guard jobs.count > limit else { return JobPage(jobs: jobs, next: nil) }
        let page = Array(jobs.prefix(limit))
        return JobPage(jobs: page, next: page.last?.id)
    }
}
