import Delivery
import Foundation
import PushCompose

/// Devices, jobs and queue counts as the admin API answers them and `pushcompose queue
/// --json` prints them. Times are ISO 8601 in UTC; a value that is not set is `null`.
enum DeliveryJSON {
    static func device(_ device: Device) -> JSONValue {
        .object([
            (key: "clientId", value: .string(device.clientId)),
            (key: "provider", value: .string(device.provider.rawValue)),
            (key: "token", value: .string(device.token)),
            (key: "platform", value: optional(device.address.platform)),
            (key: "locale", value: optional(device.locale)),
            (key: "environment", value: optional(device.address.apnsEnvironment?.rawValue)),
            (key: "topic", value: optional(device.address.topic)),
            (key: "createdAt", value: time(device.createdAt)),
            (key: "lastSeenAt", value: time(device.lastSeenAt)),
        ])
    }

    /// The stored device, with `movedFrom` when the token belonged to another client id
    /// and `dropped` when older devices made room for it.
    static func registration(_ result: DeviceRegistrationResult) -> JSONValue {
        guard case .object(var members) = device(result.device) else { return device(result.device) }
        if let movedFrom = result.movedFrom { members.append((key: "movedFrom", value: .string(movedFrom))) }
        if !result.dropped.isEmpty { members.append((key: "dropped", value: .array(result.dropped.map(device)))) }
        return .object(members)
    }

    static func devices(_ devices: [Device]) -> JSONValue {
        .object([(key: "devices", value: .array(devices.map(device)))])
    }

    /// Every provider kind, with zeros for those that never had a job.
    static func stats(_ stats: QueueStats, now: Date) -> JSONValue {
        .object([
            (key: "providers", value: .object(ProviderKind.allCases.map { provider in
                let counts = stats.counts(provider)
                return (key: provider.rawValue, value: .object([
                    (key: "ready", value: number(counts.ready)),
                    (key: "leased", value: number(counts.leased)),
                    (key: "dead", value: number(counts.dead)),
                    (key: "delivered", value: number(counts.delivered)),
                    (key: "deviceGone", value: number(counts.deviceGone)),
                ]))
            })),
            (key: "oldestReadyAgeSeconds", value: number(oldestReadyAgeSeconds(stats, now: now))),
            (key: "intakeRecords", value: number(stats.intakeRecords)),
            (key: "instances", value: .array(stats.instances.map { instance in
                .object([
                    (key: "id", value: .string(instance.id)),
                    (key: "workers", value: number(instance.workers)),
                    (key: "leases", value: number(instance.leases)),
                    (key: "lastSeen", value: instance.lastSeenAt.map { .string(UTCTimestamp.iso8601($0)) } ?? .null),
                ])
            })),
        ])
    }

    /// Whole seconds the oldest ready job has waited; 0 when none is ready.
    static func oldestReadyAgeSeconds(_ stats: QueueStats, now: Date) -> Int {
        Int(stats.oldestReadyAge(now: now).components.seconds)
    }

    static func job(_ job: PushJob) -> JSONValue {
        .object([
            (key: "id", value: .number(Double(job.id))),
            (key: "pushId", value: .string(job.pushId)),
            (key: "hookCallId", value: .string(job.hookCallId)),
            (key: "receiver", value: .string(job.receiver)),
            (key: "conversation", value: .string(job.conversation)),
            (key: "template", value: .string(job.template)),
            (key: "provider", value: .string(job.device.provider.rawValue)),
            (key: "token", value: .string(job.device.token)),
            (key: "state", value: .string(job.state.rawValue)),
            (key: "attempts", value: number(job.attempts)),
            (key: "queuedAt", value: time(job.queuedAt)),
            (key: "dueAt", value: job.dueAt.map(time) ?? .null),
            (key: "lastStatus", value: job.lastStatus.map(number) ?? .null),
            (key: "lastReason", value: optional(job.lastReason)),
            (key: "deadAt", value: job.deadAt.map(time) ?? .null),
        ])
    }

    static func page(_ page: JobPage) -> JSONValue {
        .object([
            (key: "jobs", value: .array(page.jobs.map(job))),
            (key: "next", value: page.next.map { .number(Double($0)) } ?? .null),
        ])
    }

    /// `{"<name>": count}`: the answer of a badge read, a retry or a purge.
    static func count(_ name: String, _ count: Int) -> JSONValue {
        .object([(key: name, value: number(count))])
    }

    static func time(_ date: Date) -> JSONValue {
        .string(UTCTimestamp.iso8601(date))
    }

    private static func number(_ value: Int) -> JSONValue {
        .number(Double(value))
    }

    private static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }
}
