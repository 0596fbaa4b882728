import PushCompose

/// The payload as a channel sends it: the rendered payload with the receiver's badge
/// as a number (replacing the built-in push's `"Increment"`) and, where the channel
/// carries no id of its own, the push id; an experiment's `_pc` member names this push.
public enum ChannelPayload {
    /// Room kept in `PushProvider.payloadBudget` for a badge number: `,"badge":` and ten digits.
    public static let badgeReserve = 19
    /// Room kept for `,"pushId":"…"` with a 36-character id.
    public static let pushIdReserve = 49

    public static func make(_ job: PushJob, includePushId: Bool) -> JSONValue {
        guard case .object(var members) = job.payload else { return job.payload }
        if let badge = job.badge {
            members.removeAll { $0.key == "badge" }
            members.append((key: "badge", value: .number(Double(badge))))
        } else {
            // "Increment" asks the built-in push to count; here it would mean nothing.
            members.removeAll { $0.key == "badge" && $0.value == .string("Increment") }
        }
        // An experiment's `_pc` names the push the app reports an open for: this one's.
        if let index = members.firstIndex(where: { $0.key == TemplateExperiment.payloadMember }),
           case .object(var tag) = members[index].value, let id = tag.firstIndex(where: { $0.key == "id" })
        {
            tag[id].value = .string(job.pushId)
            members[index].value = .object(tag)
        }
        if includePushId { members.removeAll { $0.key == "pushId" } }
        if includePushId { members.append((key: "pushId", value: .string(job.pushId))) }
        return .object(members)
    }
}
