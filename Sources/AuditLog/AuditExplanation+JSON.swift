import PushCompose

extension AuditExplanation {
    /// The explanation's members, and its words under `text` (one string a line); absent
    /// values are left out.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("receiver", .string(receiver)), ("call", .string(call)), ("outcome", .string(outcome.rawValue)),
        ]
        func add(_ key: String, _ value: String?) { if let value { members.append((key, .string(value))) } }
        func add(_ key: String, _ value: Int?) { if let value { members.append((key, .number(Double(value)))) } }
        if outcome == .explained {
            add("time", time)
            add("conversation", conversation)
            add("sender", sender)
            add("messageKind", messageKind)
            add("offlineReceivers", offlineReceivers)
            add("template", template)
            add("locale", locale)
            add("variant", variant)
            add("experiment", experiment)
            add("exposure", exposure)
            members.append(("muted", .bool(muted)))
            members.append(("forced", .bool(forced)))
            members.append(("route", .string(route.rawValue)))
            add("routeReason", routeReason)
            add("push", push)
            add("payload", payload)
            add("answeredPayload", answeredPayload)
            if depersonalized { members.append(("depersonalized", .bool(true))) }
            if let renderFailure {
                var failure: [(key: String, value: JSONValue)] = [("template", .string(renderFailure.template)), ("reason", .string(renderFailure.reason))]
                failure.append(("fellBackTo", renderFailure.fellBackTo.map(JSONValue.string) ?? .null))
                members.append(("renderFailure", .object(failure)))
            }
            members.append(("deliveries", .array(deliveries.map(Self.json))))
            add("final", finalState)
        }
        members.append(("text", .array(lines.map(JSONValue.string))))
        return .object(members)
    }

    private static func json(_ delivery: Delivery) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("push", .string(delivery.push))]
        func add(_ key: String, _ value: String?) { if let value { members.append((key, .string(value))) } }
        if let job = delivery.job { members.append(("job", .number(Double(job)))) }
        add("provider", delivery.provider)
        add("device", delivery.device)
        add("queuedAt", delivery.queuedAt)
        if let badge = delivery.badge { members.append(("badge", .number(Double(badge)))) }
        members.append(("attempts", .array(delivery.attempts.map { attempt in
            var members: [(key: String, value: JSONValue)] = [("time", .string(attempt.time))]
            func add(_ key: String, _ value: String?) { if let value { members.append((key, .string(value))) } }
            if let number = attempt.number { members.append(("attempt", .number(Double(number)))) }
            add("outcome", attempt.outcome)
            add("status", attempt.status)
            add("reason", attempt.reason)
            if let millis = attempt.millis { members.append(("millis", .number(Double(millis)))) }
            add("nextAttemptAt", attempt.nextAttemptAt)
            return .object(members)
        })))
        if let end = delivery.end {
            var ended: [(key: String, value: JSONValue)] = [("kind", .string(end.kind)), ("time", .string(end.time))]
            if let reason = end.reason { ended.append(("reason", .string(reason))) }
            members.append(("end", .object(ended)))
        }
        return .object(members)
    }
}
