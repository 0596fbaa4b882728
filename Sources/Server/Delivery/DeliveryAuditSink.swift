import Delivery
import Foundation
import PushCompose

/// Writes delivery events to the audit log, one record each beside the hook decisions:
/// `{"type": "delivery", "event": …}` with the push id, the job and the hook call.
struct DeliveryAuditSink: DeliveryEventSink {
    let audit: any AuditSink

    /// The end of a device token kept in records: enough to tell a receiver's devices
    /// apart, not enough to address one.
    static let tokenSuffixLength = 8

    func record(_ events: [DeliveryEvent]) async {
        await audit.record(events.map(Self.line))
    }

    static func line(_ event: DeliveryEvent) -> AuditLine {
        var record = JSONObjectWriter()
        record.member("time", UTCTimestamp.iso8601(event.time))
        record.member("type", "delivery")
        record.member("call", event.hookCallId)
        record.member("push", event.pushId)
        record.member("job", Int(event.jobId))
        record.member("receiver", event.receiver)
        record.member("provider", event.provider.rawValue)
        record.member("device", "…" + String(event.token.suffix(tokenSuffixLength)))
        switch event.kind {
        case .queued(let badge):
            record.member("event", "queued")
            if let badge { record.member("badge", badge) }
        case .attempt(let attempt):
            record.member("event", "attempt")
            record.member("attempt", attempt.number)
            record.member("outcome", DeliveryMetrics.outcomeName(attempt.outcome))
            if let status = attempt.outcome.status { record.member("status", status) }
            if let reason = attempt.outcome.reason { record.member("reason", reason) }
            record.member("millis", Int(attempt.duration / .milliseconds(1)))
            if let next = attempt.nextAttemptAt { record.member("nextAttemptAt", UTCTimestamp.iso8601(next)) }
        case .delivered:
            record.member("event", "delivered")
        case .dead(let reason):
            record.member("event", "dead")
            record.member("reason", AuditLimits.cut(reason).map(String.init) ?? reason)
        case .deviceRemoved(let reason):
            record.member("event", "deviceRemoved")
            record.member("reason", reason)
        case .leaseLost:
            record.member("event", "leaseLost")
        }
        return AuditLine(bytes: record.finish())
    }
}
