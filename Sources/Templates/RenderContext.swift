import Mustache
import PushCompose

/// The Mustache context of one render: the variables of the template reference.
/// Values are looked up on demand from the render input rather than copied into
/// dictionaries first, since most templates read three or four of them.
///
/// The context and its scopes print as nothing (`{{.}}`, `{{sender}}`): their default
/// description would dump the whole render input, the receiver's name included.
struct RenderContext: MustacheParent, CustomStringConvertible {
    let input: RenderInput
    var description: String { "" }

    func child(named name: String) -> Any? {
        if let field = RenderField(scope: "", name: name) { return field.value(in: input) }
        return RenderField.scopes.contains(name) ? Scope(name: name, input: input) : nil
    }

    /// `sender`, `conversation`, `message` or `receiver`: the parent of their fields.
    struct Scope: MustacheParent, CustomStringConvertible {
        let name: String
        let input: RenderInput
        var description: String { "" }
        func child(named child: String) -> Any? {
            if name == "message", child == "attrs" { return RenderContext.object(input.content.attrs) }
            return RenderField(scope: name, name: child)?.value(in: input)
        }
    }

    /// What swift-mustache prints for a value: a string as it is, nothing for a missing
    /// value, otherwise its description.
    static func text(of value: Any?) -> String {
        guard let value else { return "" }
        if let string = value as? String { return string }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return "" }
            return text(of: wrapped)
        }
        return String(describing: value)
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
