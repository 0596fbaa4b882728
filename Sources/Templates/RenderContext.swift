import Mustache
import PushCompose

/// The Mustache context of one render: the variables of the template reference.
/// Values are looked up on demand from the render input rather than copied into
/// dictionaries first, since most templates read three or four of them.
struct RenderContext: MustacheParent {
    let input: RenderInput

    func child(named name: String) -> Any? {
        switch name {
        case "sender": return Party(party: input.sender)
        case "conversation": return Party(party: input.conversation)
        case "message": return Message(input: input)
        case "receiver": return Receiver(receiver: input.receiver)
        case "mentionAll": return input.mentionAll
        case "timestamp": return input.timestamp.map(Self.number)
        default: return nil
        }
    }

    struct Party: MustacheParent {
        let party: RenderInput.Party
        func child(named name: String) -> Any? {
            switch name {
            case "id": return party.id
            case "name": return party.name
            default: return nil
            }
        }
    }

    struct Message: MustacheParent {
        let input: RenderInput
        func child(named name: String) -> Any? {
            switch name {
            case "text": return input.text
            case "fullText": return input.fullText
            case "kind": return input.content.kind.name
            case "type": return input.content.typeCode
            case "attrs": return RenderContext.object(input.content.attrs)
            default: return nil
            }
        }
    }

    struct Receiver: MustacheParent {
        let receiver: RenderInput.Receiver
        func child(named name: String) -> Any? {
            switch name {
            case "id": return receiver.id
            case "name": return receiver.name
            case "locale": return receiver.locale
            case "mentioned": return receiver.mention.isMentioned
            default: return nil
            }
        }
    }

    /// Whole numbers print without a fraction; `Int64(_:)` would trap beyond its range.
    static func number(_ n: Double) -> Any {
        n == n.rounded() && abs(n) < 1e15 ? Int64(n) as Any : n as Any
    }

    static func object(_ members: [(key: String, value: JSONValue)]) -> [String: Any] {
        var dictionary: [String: Any] = [:]
        for (key, value) in members { dictionary[key] = any(value) }
        return dictionary
    }

    static func any(_ value: JSONValue) -> Any {
        switch value {
        case .null: return ""
        case .bool(let b): return b
        case .number(let n): return number(n)
        case .string(let s): return s
        case .array(let items): return items.map(any)
        case .object(let members): return object(members)
        }
    }
}
