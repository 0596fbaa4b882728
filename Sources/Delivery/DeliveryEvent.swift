import Foundation

/// Something that happened to a push on its way to a device: for the audit log and
/// metrics. Every event names the push, its job and the hook call it came from.
public struct DeliveryEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Committed to the queue, with the badge number it carries.
        case queued(badge: Int?)
        /// One attempt's answer; `nextAttemptAt` is set when it will be retried.
        case attempt(Attempt)
        case delivered
        case dead(reason: String)
        /// The provider said the token is dead; the device was removed.
        case deviceRemoved(reason: String)
        /// The job's lease ended before the attempt's answer was recorded: another claim
        /// has the job, and this answer was not kept.
        case leaseLost
    }

    public struct Attempt: Sendable, Equatable {
        public var number: Int
        public var outcome: DeliveryOutcome
        public var duration: Duration
        public var nextAttemptAt: Date?

        public init(number: Int, outcome: DeliveryOutcome, duration: Duration, nextAttemptAt: Date?) {
            self.number = number
            self.outcome = outcome
            self.duration = duration
            self.nextAttemptAt = nextAttemptAt
        }
    }

    public var time: Date
    public var kind: Kind
    public var jobId: Int64
    public var pushId: String
    public var hookCallId: String
    public var receiver: String
    public var conversation: String
    public var provider: ProviderKind
    public var token: String

    public init(
        time: Date, kind: Kind, jobId: Int64, pushId: String, hookCallId: String, receiver: String, conversation: String,
        provider: ProviderKind, token: String
    ) {
        self.time = time
        self.kind = kind
        self.jobId = jobId
        self.pushId = pushId
        self.hookCallId = hookCallId
        self.receiver = receiver
        self.conversation = conversation
        self.provider = provider
        self.token = token
    }

    public init(_ kind: Kind, job: PushJob, time: Date) {
        self.init(
            time: time, kind: kind, jobId: job.id, pushId: job.pushId, hookCallId: job.hookCallId,
            receiver: job.receiver, conversation: job.conversation, provider: job.device.provider, token: job.device.token)
    }
}
