import PushCompose

/// What one hook record says became of one receiver: how their push went, the template,
/// variant and `force` they were rendered with, and the payload they were sent.
///
/// Read from a record's JSON, never from a plan: a replay encodes its new plan with the
/// server's own record encoder and reads it back with `outcomes(of:)` too, so both sides
/// pass through the same limits (texts cut at `AuditLimits.textBytes`) and the same reading.
struct ReceiverOutcome: Equatable, Sendable {
    enum Route: String, Sendable {
        /// In the built-in push's answer with the payload they asked for.
        case answered
        /// In the answer with a coarser push than they asked for (another payload, no force).
        case coalesced
        /// Queued on the service's own channel.
        case custom
        /// A `builtin: false` template's receiver without a device.
        case undeliverable
        /// Not pushed by decision: mention-only mode, a failed render with fail-open off.
        case excluded
        /// Muted the conversation and not forced: not pushed.
        case mutedUnforced
    }

    var route: Route
    /// The template of the receiver's group (nil when they were not rendered).
    var template: String?
    var variant: String?
    /// The group's `force`: the force-on-mute decision for the receiver.
    var force: Bool?
    /// What they were sent: the answer's push message when in the answer, their group's
    /// payload when queued; nil when nothing was sent.
    var payload: String?

    /// Each receiver's outcome in a `hook` record, by receiver id. Where a receiver is listed
    /// in several places, the later of answered, coalesced, custom, undeliverable,
    /// mutedUnforced, excluded says what happened: a muted receiver stays in their group
    /// and is listed mutedUnforced too, and is not pushed.
    static func outcomes(of record: JSONValue) -> [String: ReceiverOutcome] {
        let groups = record["groups"]?.asArray ?? []
        let answered = record["answer"]?["pushMessage"]?.stringValue
        var outcomes: [String: ReceiverOutcome] = [:]
        func set(_ receiver: String, _ route: Route, payload: String?) {
            let before = outcomes[receiver]
            outcomes[receiver] = ReceiverOutcome(
                route: route, template: before?.template, variant: before?.variant, force: before?.force, payload: payload)
        }
        for group in groups {
            let rendered = ReceiverOutcome(
                route: .answered, template: group["template"]?.stringValue, variant: group["variant"]?.stringValue,
                force: group["force"]?.asBool, payload: answered)
            for receiver in group["receivers"]?.asStrings ?? [] { outcomes[receiver] = rendered }
        }
        for entry in record["coalesced"]?.asArray ?? [] {
            if let receiver = entry["receiver"]?.stringValue { set(receiver, .coalesced, payload: answered) }
        }
        for entry in record["custom"]?.asArray ?? [] {
            guard let receiver = entry["receiver"]?.stringValue else { continue }
            let group = entry["group"]?.asInt.flatMap { groups.indices.contains($0) ? groups[$0] : nil }
            set(receiver, .custom, payload: group?["payload"]?.stringValue)
        }
        for entry in record["undeliverable"]?.asArray ?? [] {
            if let receiver = entry["receiver"]?.stringValue { set(receiver, .undeliverable, payload: nil) }
        }
        for receiver in record["mutedUnforced"]?.asStrings ?? [] { set(receiver, .mutedUnforced, payload: nil) }
        for receiver in record["excluded"]?.asStrings ?? [] { set(receiver, .excluded, payload: nil) }
        return outcomes
    }
}
