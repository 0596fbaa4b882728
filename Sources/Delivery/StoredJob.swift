import Foundation
import PushCompose

/// A job as drivers store it: text and numbers, times in milliseconds
/// (`StoredValue`). Taken off the database as is, and decoded into a `PushJob` (the
/// payload parsed) by the caller, off the database's connection or writer.
public struct StoredJob: Sendable {
    public var id: Int64
    public var pushId, hookCallId, receiver, conversation, template, payload: String
    public var badge: Int?
    public var provider, token: String
    public var platform, apnsEnvironment, topic: String?
    public var state: String
    public var attempts: Int
    public var queuedAt: Int64
    public var dueAt: Int64?
    public var leaseToken: String?
    public var lastStatus: Int?
    public var lastReason: String?
    public var deadAt: Int64?

    public init(
        id: Int64, pushId: String, hookCallId: String, receiver: String, conversation: String, template: String, payload: String,
        badge: Int?, provider: String, token: String, platform: String?, apnsEnvironment: String?, topic: String?, state: String,
        attempts: Int, queuedAt: Int64, dueAt: Int64?, leaseToken: String?, lastStatus: Int?, lastReason: String?, deadAt: Int64?
    ) {
        self.id = id
        self.pushId = pushId
        self.hookCallId = hookCallId
        self.receiver = receiver
        self.conversation = conversation
        self.template = template
        self.payload = payload
        self.badge = badge
        self.provider = provider
        self.token = token
        self.platform = platform
        self.apnsEnvironment = apnsEnvironment
        self.topic = topic
        self.state = state
        self.attempts = attempts
        self.queuedAt = queuedAt
        self.dueAt = dueAt
        self.leaseToken = leaseToken
        self.lastStatus = lastStatus
        self.lastReason = lastReason
        self.deadAt = deadAt
    }

    public func job() throws -> PushJob {
        guard let state = JobState(rawValue: state) else { throw StoredValue.Unknown(column: "state", value: state) }
        let device = try StoredValue.address(
            provider: provider, token: token, platform: platform, apnsEnvironment: apnsEnvironment, topic: topic)
        return PushJob(
            id: id, pushId: pushId, hookCallId: hookCallId, receiver: receiver, conversation: conversation, template: template,
            payload: try JSONParser.parse(payload), badge: badge, device: device, state: state, attempts: attempts,
            queuedAt: StoredValue.date(queuedAt), dueAt: dueAt.map(StoredValue.date), lastStatus: lastStatus, lastReason: lastReason,
            deadAt: deadAt.map(StoredValue.date),
            lease: state == .leased ? leaseToken.map { JobLease(jobId: id, token: $0, expiresAt: StoredValue.date(dueAt ?? 0)) } : nil)
    }
}
