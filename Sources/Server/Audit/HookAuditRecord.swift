import AuditLog
import Foundation
import PushCompose
import Storage

/// The audit record of one hook decision, encoded as the line the audit log writes.
/// Texts and lists are kept within `AuditLimits`.
struct HookAuditRecord {
    var textPolicy: AuditTextPolicy

    static func timestamp() -> String { UTCTimestamp.iso8601() }

    /// `text` as the policy keeps it: under `key` (full, within `AuditLimits.textBytes`),
    /// `key`HMAC (hash) or not at all.
    private func text(_ text: String, key: String, into record: inout JSONObjectWriter) {
        switch textPolicy {
        case .full: Self.limited(text, key: key, into: &record)
        case .hmac(let hashKey): record.member(key + "HMAC", AuditTextPolicy.hmac(text, key: hashKey))
        case .none: break
        }
    }

    /// `text` within `AuditLimits.textBytes`, and `key`TruncatedFrom when it was cut.
    private static func limited(_ text: String, key: String, into record: inout JSONObjectWriter) {
        guard let cut = AuditLimits.cut(text) else { return record.member(key, text) }
        record.member(key, String(cut))
        record.member(key + "TruncatedFrom", text.utf8.count)
    }

    /// A record's first members, the same in every kind: `time` (first, so that a reader
    /// finds it at a fixed place), the schema version and the kind.
    static func start(_ kind: AuditRecordKind, time: String = timestamp()) -> JSONObjectWriter {
        var record = JSONObjectWriter()
        record.member("time", time)
        record.member("v", AuditSchema.version)
        record.member("kind", kind.rawValue)
        return record
    }

    /// The decision's record (`hook`).
    /// - Parameters:
    ///   - call: the hook call's id, which its delivery events name too.
    ///   - pushIds: the push id of each of `plan.custom`, in order.
    ///   - input: what the composer read (`HookAuditInput`), kept with `auditText: full`.
    func receiversOffline(
        hook: ReceiversOfflineHook, plan: HookPlan, call: String, pushIds: [String], input: HookAuditInput?, micros: Int
    ) -> AuditLine {
        let content = plan.content ?? MessageContent(parsing: hook.content)
        var record = Self.start(.hook)
        record.member("function", "_receiversOffline")
        record.member("call", call)
        record.member("conversation", hook.convId)
        record.member("sender", hook.fromPeer)
        record.member("receivers", hook.offlinePeers.count)
        record.member("messageKind", content.kind.name)
        text(content.text, key: "text", into: &record)
        record.member("template", plan.template)
        record.listed("groups", objects: plan.groups.enumerated()) { group, element in
            let (index, pushGroup) = element
            group.member("template", pushGroup.template)
            group.member("locale", pushGroup.locale)
            group.member("force", pushGroup.force)
            group.listed("receivers", strings: pushGroup.receivers)
            group.member("answered", index == plan.answeredGroup)
            if let variant = pushGroup.variant { group.member("variant", variant) }
            text(pushGroup.payload, key: "payload", into: &group)
        }
        answer(plan.answer, into: &record)
        record.listed("coalesced", objects: plan.coalesced) { entry, coalesced in
            entry.member("receiver", coalesced.receiver)
            entry.member("wantedGroup", coalesced.wantedGroup)
            // In the answer's own group only `force` was dropped; from another group the
            // receiver had no device to get their own payload on.
            entry.member("reason", coalesced.wantedGroup == plan.answeredGroup ? "force not shared" : "no device")
        }
        record.listed("custom", objects: Array(zip(plan.custom, pushIds))) { entry, element in
            entry.member("receiver", element.0.receiver)
            entry.member("group", element.0.group)
            entry.member("push", element.1)
        }
        record.listed("undeliverable", objects: plan.undeliverable) { entry, receiver in
            entry.member("receiver", receiver)
            entry.member("reason", "no device")
        }
        record.listed("excluded", strings: plan.excluded)
        record.listed("mutedUnforced", strings: plan.mutedUnforced)
        record.listed("muted", strings: plan.muted)
        if !plan.depersonalized.isEmpty { record.listed("depersonalized", strings: plan.depersonalized) }
        if let experiment = plan.experiment {
            record.member("experiment", experiment.experiment)
            record.member("experimentUnit", experiment.unit.rawValue)
        }
        record.listed("renderFailures", objects: plan.renderFailures) { entry, failure in
            entry.member("receiver", failure.receiver)
            entry.member("template", failure.template)
            entry.member("reason", failure.reason)
            entry.member("fellBackTo", failure.fellBackTo)
        }
        record.member("micros", micros)
        switch input {
        case .kept(let encoded)?: record.member("input", encoded: encoded)
        case .omitted(let reason)?: record.member("inputOmitted", reason)
        case nil: break
        }
        return AuditLine(bytes: record.finish())
    }

    /// The call's experiment exposures (`exposure`), one record per variant and status
    /// (exposed, notExposed, overridden): the receivers and the push that reached them,
    /// the call itself (the answer) or theirs (`pushes`, one per receiver).
    func exposures(_ exposures: CallExposures, call: String, conversation: String) -> [AuditLine] {
        let time = Self.timestamp()
        return exposures.groups.map { group in
            var record = Self.start(.exposure, time: time)
            record.member("call", call)
            record.member("conversation", conversation)
            record.member("experiment", exposures.experiment)
            record.member("unit", exposures.conversationUnit == nil ? "receiver" : "conversation")
            record.member("variant", group.variant)
            record.member("status", group.status.rawValue)
            record.listed("receivers", strings: group.receivers)
            if group.pushIds.count == 1 && group.pushIds[0] == call {
                record.member("push", call)
            } else {
                record.listed("pushes", strings: group.pushIds)
            }
            return AuditLine(bytes: record.finish())
        }
    }

    /// The answer as it was given, its push message kept as the policy says (full: within
    /// the limit; hash: `hmac-sha256:` and the HMAC; none: left out) and its receivers
    /// within the list limit. What was cut is said beside it: `answerPushMessageTruncatedFrom`,
    /// `answerOfflinePeersOmitted`.
    private func answer(_ answer: ReceiversOfflineAnswer, into record: inout JSONObjectWriter) {
        var kept = answer
        var truncatedFrom: Int?
        if let pushMessage = answer.pushMessage {
            switch textPolicy {
            case .full:
                if let cut = AuditLimits.cut(pushMessage) {
                    kept.pushMessage = String(cut)
                    truncatedFrom = pushMessage.utf8.count
                }
            case .hmac(let key): kept.pushMessage = "hmac-sha256:" + AuditTextPolicy.hmac(pushMessage, key: key)
            case .none: kept.pushMessage = nil
            }
        }
        let omitted = (answer.offlinePeers?.count ?? 0) - AuditLimits.listEntries
        if omitted > 0 { kept.offlinePeers = Array(answer.offlinePeers!.prefix(AuditLimits.listEntries)) }
        record.member("answer", kept.json)
        if let truncatedFrom { record.member("answerPushMessageTruncatedFrom", truncatedFrom) }
        if omitted > 0 { record.member("answerOfflinePeersOmitted", omitted) }
    }

    /// What `_conversationUpdate` taught the service: a mute, or a conversation's name.
    func conversationUpdate(_ update: ConversationUpdateHook) -> AuditLine {
        var record = Self.start(.conversationUpdate)
        record.member("function", "_conversationUpdate")
        record.member("conversation", update.convId)
        record.member("client", update.initBy)
        switch update.change {
        case .mute(let muted): record.member("mute", muted)
        case .attributes(let name?): Self.limited(name, key: "name", into: &record)
        case .attributes(nil): record.member("name", nil as String?)
        }
        return AuditLine(bytes: record.finish())
    }

    /// A call that was refused or failed before a decision.
    func rejected(function: String, status: Int, error: String, micros: Int) -> AuditLine {
        var record = Self.start(.rejected)
        record.member("function", function)
        record.member("status", status)
        record.member("error", error)
        record.member("micros", micros)
        return AuditLine(bytes: record.finish())
    }
}
