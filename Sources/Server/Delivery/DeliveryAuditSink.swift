import AuditLog
import Delivery
import Foundation
import PushCompose

/// Writes delivery events to the audit log, one record each beside the hook decisions,
/// of the event's kind (`queued`, `attempt`, …) with the push id, the job and the hook call.
struct DeliveryAuditSink: DeliveryEventSink {
    let audit: any AuditSink

    /// The end of a device token kept in records: enough to tell a receiver's devices
    /// apart, not enough to address one.
    static let tokenSuffixLength = 8

    func record(_ events: [DeliveryEvent]) async {
        await audit.record(events.map(Self.line))
    }

    func submit(_ events: [DeliveryEvent]) {
        audit.submit(events.map(Self.line))
    }

    static func line(_ event: DeliveryEvent) -> AuditLine {
        var record = HookAuditRecord.start(kind(event.kind), time: UTCTimestamp.iso8601(event.time))
        record.member("call", event.hookCallId)
        record.member("push", event.pushId)
        record.member("receiver", event.receiver)
        record.member("conversation", event.conversation)
        record.member("job", Int(event.jobId))
        record.member("provider", event.provider.rawValue)
        record.member("device", "…" + String(event.token.suffix(tokenSuffixLength)))
        switch event.kind {
        case .queued(let badge):
            if let badge { record.member("badge", badge) }
        case .attempt(let attempt):
            record.member("attempt", attempt.number)
            record.member("outcome", DeliveryMetrics.outcomeName(attempt.outcome))
            if let status = attempt.outcome.status { record.member("status", status) }
            if let reason = attempt.outcome.reason { record.member("reason", reason) }
            record.member("millis", Int(attempt.duration / .milliseconds(1)))
            if let next = attempt.nextAttemptAt { record.member("nextAttemptAt", UTCTimestamp.iso8601(next)) }
        case .delivered, .leaseLost:
            break
        case .dead(let reason):
            record.member("reason", AuditLimits.cut(reason).map(String.init) ?? reason)
        case .deviceRemoved(let reason):
            record.member("reason", reason)
        }
        return AuditLine(bytes: record.finish())
    }

    private static func kind(_ kind: DeliveryEvent.Kind) -> AuditRecordKind {
        switch kind {
        case .queued: .queued
        case .attempt: .attempt
        case .delivered: .delivered
        case .dead: .dead
        case .deviceRemoved: .deviceRemoved
        case .leaseLost: .leaseLost
        }
    }
}
