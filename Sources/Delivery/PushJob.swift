import Foundation
import PushCompose

/// One push to one device, as the queue holds it.
public struct PushJob: Sendable, Equatable {
    public var id: Int64
    public var pushId: String
    public var hookCallId: String
    public var receiver: String
    public var conversation: String
    public var template: String
    public var payload: JSONValue
    /// The receiver's badge number for this push; nil when the push does not count.
    public var badge: Int?
    public var device: DeviceAddress
    public var state: JobState
    /// Attempts so far, counting one for each claim (a worker that died mid-attempt counts).
    public var attempts: Int
    /// When it was queued, or re-queued from dead: the start of its maximum age.
    public var queuedAt: Date
    /// Ready: not to be sent before this time. Leased: when the lease ends. Dead: nil.
    public var dueAt: Date?
    /// The provider's last answer: an HTTP status when there was one, and why.
    public var lastStatus: Int?
    public var lastReason: String?
    /// When it was dead-lettered.
    public var deadAt: Date?
    /// Set on the jobs `claim` returns.
    public var lease: JobLease?

    public init(
        id: Int64, pushId: String, hookCallId: String, receiver: String, conversation: String, template: String,
        payload: JSONValue, badge: Int?, device: DeviceAddress, state: JobState, attempts: Int, queuedAt: Date,
        dueAt: Date?, lastStatus: Int? = nil, lastReason: String? = nil, deadAt: Date? = nil, lease: JobLease? = nil
    ) {
        self.id = id
        self.pushId = pushId
        self.hookCallId = hookCallId
        self.receiver = receiver
        self.conversation = conversation
        self.template = template
        self.payload = payload
        self.badge = badge
        self.device = device
        self.state = state
        self.attempts = attempts
        self.queuedAt = queuedAt
        self.dueAt = dueAt
        self.lastStatus = lastStatus
        self.lastReason = lastReason
        self.deadAt = deadAt
        self.lease = lease
    }
}
