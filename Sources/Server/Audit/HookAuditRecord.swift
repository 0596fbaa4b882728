import Crypto
import Foundation
import PushCompose

/// The audit record of one hook decision.
struct HookAuditRecord {
    var textMode: AuditTextMode

    static func timestamp() -> String { UTCTimestamp.iso8601() }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// `text` as the configured mode keeps it, under `key` (full) or `key`SHA256 (hash).
    private func text(_ text: String, key: String) -> [(key: String, value: JSONValue)] {
        switch textMode {
        case .full: return [(key: key, value: .string(text))]
        case .hash: return [(key: key + "SHA256", value: .string(Self.sha256(text)))]
        case .none: return []
        }
    }

    func receiversOffline(hook: ReceiversOfflineHook, plan: HookPlan, micros: Int) -> JSONValue {
        let content = plan.content ?? MessageContent(parsing: hook.content)
        var members: [(key: String, value: JSONValue)] = [
            (key: "time", value: .string(Self.timestamp())),
            (key: "type", value: .string("hook")),
            (key: "function", value: .string("_receiversOffline")),
            (key: "conversation", value: .string(hook.convId)),
            (key: "sender", value: .string(hook.fromPeer)),
            (key: "receivers", value: .number(Double(hook.offlinePeers.count))),
            (key: "kind", value: .string(content.kind.name)),
        ]
        members += text(content.text, key: "text")
        members.append((key: "template", value: .string(plan.template)))
        members.append((key: "groups", value: .array(plan.groups.enumerated().map { index, group in
            var groupMembers: [(key: String, value: JSONValue)] = [
                (key: "template", value: .string(group.template)),
                (key: "locale", value: group.locale.map(JSONValue.string) ?? .null),
                (key: "force", value: .bool(group.force)),
                (key: "receivers", value: .array(group.receivers.map(JSONValue.string))),
                (key: "answered", value: .bool(index == plan.answeredGroup)),
            ]
            if plan.customGroups.contains(index) {
                groupMembers.append((key: "channel", value: .string("custom")))
            }
            groupMembers += text(group.payload, key: "payload")
            return .object(groupMembers)
        })))
        var answer = plan.answer
        if textMode != .full, let pushMessage = answer.pushMessage {
            answer.pushMessage = textMode == .hash ? "sha256:" + Self.sha256(pushMessage) : nil
        }
        members.append((key: "answer", value: answer.json))
        members.append((key: "coalesced", value: .array(plan.coalesced.map { coalesced in
            .object([(key: "receiver", value: .string(coalesced.receiver)), (key: "wantedGroup", value: .number(Double(coalesced.wantedGroup)))])
        })))
        members.append((key: "excluded", value: .array(plan.excluded.map(JSONValue.string))))
        members.append((key: "mutedUnforced", value: .array(plan.mutedUnforced.map(JSONValue.string))))
        members.append((key: "renderFailures", value: .array(plan.renderFailures.map { failure in
            .object([
                (key: "receiver", value: .string(failure.receiver)),
                (key: "template", value: .string(failure.template)),
                (key: "reason", value: .string(failure.reason)),
                (key: "fellBackTo", value: failure.fellBackTo.map(JSONValue.string) ?? .null),
            ])
        })))
        members.append((key: "micros", value: .number(Double(micros))))
        return .object(members)
    }

    /// What `_conversationUpdate` taught the service: a mute, or a conversation's name.
    func conversationUpdate(_ update: ConversationUpdateHook) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            (key: "time", value: .string(Self.timestamp())),
            (key: "type", value: .string("hook")),
            (key: "function", value: .string("_conversationUpdate")),
            (key: "conversation", value: .string(update.convId)),
            (key: "client", value: .string(update.initBy)),
        ]
        switch update.change {
        case .mute(let muted): members.append((key: "mute", value: .bool(muted)))
        case .attributes(let name): members.append((key: "name", value: name.map(JSONValue.string) ?? .null))
        }
        return .object(members)
    }

    /// A call that was refused or failed before a decision.
    func rejected(function: String, status: Int, error: String, micros: Int) -> JSONValue {
        .object([
            (key: "time", value: .string(Self.timestamp())),
            (key: "type", value: .string("hook")),
            (key: "function", value: .string(function)),
            (key: "status", value: .number(Double(status))),
            (key: "error", value: .string(error)),
            (key: "micros", value: .number(Double(micros))),
        ])
    }
}
