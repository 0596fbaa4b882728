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
            var variant: String?
        }
        var groups: [PushGroup] = []
        // Built only once there are many groups: most calls have one to three.
        var indexByKey: [Key: Int] = [:]
        let scanLimit = 8
        var last: Int?
        for push in pushes {
            // Receivers sharing a render share the payload's storage, so comparing with
            // the previous receiver's group is cheap and usually enough.
            // Variant and force first: payloads of different variants differ, and comparing
            // two that hold non-ASCII text takes Unicode's slow path.
            if let index = last, groups[index].variant == push.variant, groups[index].force == push.force, groups[index].payload == push.payload {
                groups[index].receivers.append(push.receiver)
                groups[index].hasMentions = groups[index].hasMentions || push.mention.isMentioned
                continue
            }
            let key = Key(payload: push.payload, force: push.force, variant: push.variant)
            let found = groups.count <= scanLimit
                ? groups.firstIndex { $0.variant == push.variant && $0.force == push.force && $0.payload == push.payload }
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
                        receivers: [push.receiver], hasMentions: push.mention.isMentioned, unnamedPayload: push.unnamedPayload,
                        variant: push.variant))
                if groups.count == scanLimit + 1 {
                    for (index, group) in groups.enumerated() { indexByKey[Key(payload: group.payload, force: group.force, variant: group.variant)] = index }
                } else if groups.count > scanLimit + 1 {
                    indexByKey[key] = groups.count - 1
                }
            }
        }
        return groups
    }

    /// Plans the answer for one call's pushes: groups them, routes them (`PushRouter`), and
    /// writes the answer for the receivers the built-in push must reach.
    /// - Parameters:
    ///   - requested: the request's `offlinePeers`, to leave `offlinePeers` out of the
    ///     answer when it would repeat them.
    ///   - builtin: false when the template sends every push itself (`{"skip": true}`).
    ///   - muted: the receivers who muted the conversation.
    ///   - hasCustomChannel: whether a receiver has a device on the service's own channel.
    public static func plan(
        pushes: [ReceiverPush], requested: [String], template: String, builtin: Bool,
        excluded: [String], renderFailures: [RenderFailure], muted: Set<String> = [],
        hasCustomChannel: (String) -> Bool = { _ in false }
    ) -> HookPlan {
        let groups = group(pushes)
        let routes = PushRouter.route(groups, builtin: builtin, muted: muted, hasCustomChannel: hasCustomChannel)
        var plan = HookPlan(
            answer: .skipBuiltinPush, template: template, groups: groups, answeredGroup: routes.answeredGroup, coalesced: [],
            excluded: excluded, renderFailures: renderFailures)
        plan.custom = routes.custom
        plan.undeliverable = routes.undeliverable
        plan.mutedUnforced = routes.mutedOnCustom
        if !muted.isEmpty { plan.muted = requested.filter(muted.contains) }
        guard let chosen = routes.answeredGroup else { return plan }

        let answered = groups[chosen]
        let force = answered.force && routes.fallingBack.allSatisfy { groups[$0.wantedGroup].force }
        var payload = answered.payload
        if answered.namesItsReceivers, let unnamed = answered.unnamedPayload,
           routes.fallingBack.contains(where: { groups[$0.wantedGroup].payload != answered.payload })
        {
            payload = unnamed
        }
        // Coarser than asked: another payload, or no `force` where the group wanted it. A
        // receiver whose group has the answer's payload and force gets exactly what it asked for.
        var coalesced: [HookPlan.Coalesced] = []
        var depersonalized: [String] = []
        if answered.payload != payload || answered.force != force {
            coalesced = answered.receivers.map { HookPlan.Coalesced(receiver: $0, wantedGroup: chosen) }
            if answered.payload != payload { depersonalized = answered.receivers }
        }
        // Per group, not per receiver: comparing payloads is costly when they are not ASCII.
        let otherPayload = groups.map { $0.payload != payload }
        for entry in routes.fallingBack {
            let group = groups[entry.wantedGroup]
            if otherPayload[entry.wantedGroup] || group.force != force { coalesced.append(entry) }
            if group.namesItsReceivers, otherPayload[entry.wantedGroup] { depersonalized.append(entry.receiver) }
        }
        // In request order; the receivers who left for the custom channel are not in it.
        var receivers = pushes.map(\.receiver)
        if routes.leavesTheAnswer {
            var gone = Set(routes.custom.map(\.receiver))
            gone.formUnion(routes.undeliverable)
            gone.formUnion(routes.mutedOnCustom)
            receivers.removeAll { gone.contains($0) }
        }
        plan.answer = ReceiversOfflineAnswer(
            offlinePeers: receivers == requested ? nil : receivers, pushMessage: payload, force: force ? true : nil)
        // By group, each in its receivers' order.
        plan.coalesced = coalesced.enumerated()
            .sorted { ($0.element.wantedGroup, $0.offset) < ($1.element.wantedGroup, $1.offset) }.map(\.element)
        plan.depersonalized = depersonalized
        // The built-in push skips these itself; they are listed for the audit.
        if !force, !muted.isEmpty { plan.mutedUnforced += receivers.filter(muted.contains) }
        return plan
    }
}
