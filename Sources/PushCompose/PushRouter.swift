/// Decides where each receiver's push goes: the hook's answer (the built-in push), the
/// service's own channel, or nowhere. One place, after grouping and before the answer is
/// written, so that nobody gets two pushes for one message and nobody is forgotten.
///
/// - The answer group (`answerGroup(of:hasCustomChannel:)`) stays in the answer.
/// - Every other group's receivers, and with `builtin: false` every receiver, go to the
///   custom channel when they have a device there. Without one, a built-in template's
///   receiver falls back to the answer (coalesced), a `builtin: false` template's is
///   undeliverable.
/// - Mutes hold on the custom channel as on the built-in push: a receiver who muted the
///   conversation is sent there only when their push is forced.
public enum PushRouter {
    public struct Routes: Sendable, Equatable {
        /// The group whose payload the answer carries; nil when the answer skips.
        public var answeredGroup: Int?
        /// Receivers of other groups who fall back to the answer, with the group they wanted.
        public var fallingBack: [HookPlan.Coalesced] = []
        public var custom: [HookPlan.CustomPush] = []
        public var undeliverable: [String] = []
        /// Receivers of the custom channel not sent to because they muted the conversation.
        public var mutedOnCustom: [String] = []

        /// Whether any receiver leaves the answer (custom, undeliverable or muted there).
        var leavesTheAnswer: Bool { !custom.isEmpty || !undeliverable.isEmpty || !mutedOnCustom.isEmpty }
    }

    public static func route(
        _ groups: [PushGroup], builtin: Bool, muted: Set<String>, hasCustomChannel: (String) -> Bool
    ) -> Routes {
        var routes = Routes()
        routes.answeredGroup = builtin ? answerGroup(of: groups, hasCustomChannel: hasCustomChannel) : nil
        for (index, group) in groups.enumerated() where index != routes.answeredGroup {
            for receiver in group.receivers {
                if hasCustomChannel(receiver) {
                    if !group.force, muted.contains(receiver) {
                        routes.mutedOnCustom.append(receiver)
                    } else {
                        routes.custom.append(HookPlan.CustomPush(receiver: receiver, group: index))
                    }
                } else if builtin {
                    routes.fallingBack.append(HookPlan.Coalesced(receiver: receiver, wantedGroup: index))
                } else {
                    routes.undeliverable.append(receiver)
                }
            }
        }
        return routes
    }

    /// The group the answer carries: the one that leaves the fewest receivers with
    /// another payload than theirs, that is the one with the most receivers without a
    /// custom channel (the others get theirs there); then the largest; then the one
    /// without mentions; then the first. With no custom channel, simply the largest.
    static func answerGroup(of groups: [PushGroup], hasCustomChannel: (String) -> Bool) -> Int? {
        guard !groups.isEmpty else { return nil }
        guard groups.count > 1 else { return 0 }
        let stranded = groups.map { group in group.receivers.count { !hasCustomChannel($0) } }
        var best = 0
        for index in groups.indices.dropFirst() {
            let candidate = groups[index], current = groups[best]
            if stranded[index] != stranded[best] {
                if stranded[index] > stranded[best] { best = index }
            } else if candidate.receivers.count != current.receivers.count {
                if candidate.receivers.count > current.receivers.count { best = index }
            } else if current.hasMentions && !candidate.hasMentions {
                best = index
            }
        }
        return best
    }
}
