import Foundation

/// A worker's hold on a claimed job. Every change to a leased job names its lease, so a
/// worker whose lease ran out (and whose job another claim took) changes nothing.
public struct JobLease: Sendable, Hashable {
    public var jobId: Int64
    /// Unique to one claim.
    public var token: String
    public var expiresAt: Date

    public init(jobId: Int64, token: String, expiresAt: Date) {
        self.jobId = jobId
        self.token = token
        self.expiresAt = expiresAt
    }
}
