import Crypto
import Foundation
import PushCompose

/// The audit record of one hook decision, encoded as the line the audit log writes.
struct HookAuditRecord {
    var textMode: AuditTextMode

    static func timestamp() -> String { UTCTimestamp.iso8601() }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// `text` as the configured mode keeps it, under `key` (full) or `key`SHA256 (hash).
    private func text(_ text: String, key: String, into record: inout JSONObjectWriter) {
        switch textMode {
        case .full: record.member(key, text)
        case .hash: record.member(key + "SHA256", Self.sha256(text))
        case .none: break
        }
    }

    private static func start(function: String) -> JSONObjectWriter {
        var record = JSONObjectWriter()
        record.member("time", timestamp())
        record.member("type", "hook")
        record.member("function", function)
        return record
    }

    func receiversOffline(hook: ReceiversOfflineHook, plan: HookPlan, micros: Int) -> AuditLine {
        let content = plan.content ?? MessageContent(parsing: hook.content)
        var record = Self.start(function: "_receiversOffline")
        record.member("conversation", hook.convId)
        record.member("sender", hook.fromPeer)
        record.member("receivers", hook.offlinePeers.count)
        record.member("kind", content.kind.name)
        text(content.text, key: "text", into: &record)
        record.member("template", plan.template)
        record.member("groups", objects: plan.groups.enumerated()) { group, element in
            let (index, pushGroup) = element
            group.member("template", pushGroup.template)
            group.member("locale", pushGroup.locale)
            group.member("force", pushGroup.force)
            group.member("receivers", strings: pushGroup.receivers)
            group.member("answered", index == plan.answeredGroup)
            if plan.customGroups.contains(index) { group.member("channel", "custom") }
            text(pushGroup.payload, key: "payload", into: &group)
        }
        var answer = plan.answer
        if textMode != .full, let pushMessage = answer.pushMessage {
            answer.pushMessage = textMode == .hash ? "sha256:" + Self.sha256(pushMessage) : nil
        }
        record.member("answer", answer.json)
        record.member("coalesced", objects: plan.coalesced) { entry, coalesced in
            entry.member("receiver", coalesced.receiver)
            entry.member("wantedGroup", coalesced.wantedGroup)
        }
        record.member("excluded", strings: plan.excluded)
        record.member("mutedUnforced", strings: plan.mutedUnforced)
        record.member("renderFailures", objects: plan.renderFailures) { entry, failure in
            entry.member("receiver", failure.receiver)
            entry.member("template", failure.template)
            entry.member("reason", failure.reason)
            entry.member("fellBackTo", failure.fellBackTo)
        }
        record.member("micros", micros)
        return AuditLine(bytes: record.finish())
    }

    /// What `_conversationUpdate` taught the service: a mute, or a conversation's name.
    func conversationUpdate(_ update: ConversationUpdateHook) -> AuditLine {
        var record = Self.start(function: "_conversationUpdate")
        record.member("conversation", update.convId)
        record.member("client", update.initBy)
        switch update.change {
        case .mute(let muted): record.member("mute", muted)
        case .attributes(let name): record.member("name", name)
        }
        return AuditLine(bytes: record.finish())
    }

    /// A call that was refused or failed before a decision.
    func rejected(function: String, status: Int, error: String, micros: Int) -> AuditLine {
        var record = Self.start(function: function)
        record.member("status", status)
        record.member("error", error)
        record.member("micros", micros)
        return AuditLine(bytes: record.finish())
    }
}
