/// Turns each receiver's push into one hook answer.
///
/// One answer carries one payload and one `force`. Receivers are grouped by identical
/// (payload, force); with no custom channel to send the other groups, every receiver
/// goes into the answer with the payload of the largest group (on a tie, the group
/// without mentions), and `force` only when every receiver in the answer is to be forced.
/// A payload that names its receiver goes to no one else: when the answer also reaches
/// receivers with another payload, it carries the group's unnamed render instead.
public enum PushPlanner {
    public static func group(_ pushes: [ReceiverPush]) -> [PushGroup] {
        struct Key: Hashable {
            var payload: String
            var force: Bool
        }
        var groups: [PushGroup] = []
        // Built only once there are many groups: most calls have one to three.
        var indexByKey: [Key: Int] = [:]
        let scanLimit = 8
        var last: Int?
        for push in pushes {
            // Receivers sharing a render share the payload's storage, so comparing with
            // the previous receiver's group is cheap and usually enough.
            if let index = last, groups[index].force == push.force, groups[index].payload == push.payload {
                groups[index].receivers.append(push.receiver)
                groups[index].hasMentions = groups[index].hasMentions || push.mention.isMentioned
                continue
            }
            let key = Key(payload: push.payload, force: push.force)
            let found = groups.count <= scanLimit
                ? groups.firstIndex { $0.force == push.force && $0.payload == push.payload }
                : indexByKey[key]
            if let index = found {
                last = index
                groups[index].receivers.append(push.receiver)
                groups[index].hasMentions = groups[index].hasMentions || push.mention.isMentioned
            } else {
                last = groups.count
                groups.append(
                    PushGroup(
                        payload: push.payload, force: push.force, template: push.template, locale: push.locale,
                        receivers: [push.receiver], hasMentions: push.mention.isMentioned, unnamedPayload: push.unnamedPayload))
                if groups.count == scanLimit + 1 {
                    for (index, group) in groups.enumerated() { indexByKey[Key(payload: group.payload, force: group.force)] = index }
                } else if groups.count > scanLimit + 1 {
                    indexByKey[key] = groups.count - 1
                }
            }
        }
        return groups
    }

    /// The group whose payload the answer carries: the largest; on a tie the one without
    /// mentions; then the first.
    public static func answerGroup(of groups: [PushGroup]) -> Int? {
        guard !groups.isEmpty else { return nil }
        var best = 0
        for index in groups.indices.dropFirst() {
            let candidate = groups[index], current = groups[best]
            if candidate.receivers.count > current.receivers.count
                || (candidate.receivers.count == current.receivers.count && current.hasMentions && !candidate.hasMentions)
            {
                best = index
            }
        }
        return best
    }

    /// Plans the answer for pushes the built-in push carries.
    /// - Parameters:
    ///   - requested: the request's `offlinePeers`, to leave `offlinePeers` out of the
    ///     answer when it would repeat them.
    ///   - builtin: false when the template sends every push itself (`{"skip": true}`).
    public static func plan(
        pushes: [ReceiverPush], requested: [String], template: String, builtin: Bool,
        excluded: [String], renderFailures: [RenderFailure]
    ) -> HookPlan {
        let groups = group(pushes)
        guard builtin else {
            return HookPlan(
                answer: .skipBuiltinPush, template: template, groups: groups, answeredGroup: nil, coalesced: [],
                excluded: excluded, renderFailures: renderFailures, customGroups: Array(groups.indices))
        }
        guard let chosen = answerGroup(of: groups) else {
            return HookPlan(
                answer: .skipBuiltinPush, template: template, groups: [], answeredGroup: nil, coalesced: [],
                excluded: excluded, renderFailures: renderFailures, customGroups: [])
        }
        let answered = groups[chosen]
        let receivers = pushes.map(\.receiver)
        let force = pushes.allSatisfy(\.force)
        var payload = answered.payload
        if answered.namesItsReceivers, let unnamed = answered.unnamedPayload,
           groups.contains(where: { $0.payload != answered.payload })
        {
            payload = unnamed
        }
        var coalesced: [HookPlan.Coalesced] = []
        var depersonalized: [String] = []
        // Coarser than asked: another payload, or no `force` where the group wanted it. A group
        // with the answer's payload and force (not necessarily the chosen one, when the chosen
        // group's force is dropped) gets exactly what it asked for.
        for (index, group) in groups.enumerated() where group.payload != payload || group.force != force {
            for receiver in group.receivers {
                coalesced.append(HookPlan.Coalesced(receiver: receiver, wantedGroup: index))
            }
            if group.namesItsReceivers, group.payload != payload { depersonalized += group.receivers }
        }
        let answer = ReceiversOfflineAnswer(
            offlinePeers: receivers == requested ? nil : receivers,
            pushMessage: payload,
            force: force ? true : nil)
        var plan = HookPlan(
            answer: answer, template: template, groups: groups, answeredGroup: chosen, coalesced: coalesced,
            excluded: excluded, renderFailures: renderFailures, customGroups: [])
        plan.depersonalized = depersonalized
        return plan
    }
}
