/// A message's `content` as the hook delivers it: plain text, or a typed message
/// serialised as a JSON object (`{"_lctext":"hi","_lctype":-1}`).
public struct MessageContent: Sendable, Hashable {
    public var kind: MessageKind
    /// `_lctype`, when the content is a typed message.
    public var typeCode: Int?
    /// The text: `_lctext` of a typed message, or the whole content of a plain one.
    public var text: String
    /// `_lcattrs`: the app's custom attributes.
    public var attrs: [(key: String, value: JSONValue)]

    public init(kind: MessageKind, typeCode: Int?, text: String, attrs: [(key: String, value: JSONValue)] = []) {
        self.kind = kind
        self.typeCode = typeCode
        self.text = text
        self.attrs = attrs
    }

    public static func == (lhs: MessageContent, rhs: MessageContent) -> Bool {
        lhs.kind == rhs.kind && lhs.typeCode == rhs.typeCode && lhs.text == rhs.text
            && JSONValue.object(lhs.attrs) == JSONValue.object(rhs.attrs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(text)
    }

    /// Reads `content`. A JSON object is a typed message: its `_lctype` says the kind;
    /// without a usable one it is text when it has `_lctext`, else of unknown kind — never
    /// shown as JSON. Content that does not start with `{` is plain text.
    ///
    /// Content that starts with `{` but cannot be read as an object (cut, malformed,
    /// nested too deep), or whose `_lcattrs` is not an object, is of unknown kind with no
    /// text: its JSON must not show, and a template that hides text by attribute cannot
    /// tell whether it applies, so no template may show any of it.
    public init(parsing content: String) {
        guard content.first(where: { !$0.isWhitespace }) == "{" else {
            self.init(kind: .plain, typeCode: nil, text: content)
            return
        }
        guard let value = try? JSONParser.parse(content), case .object = value else {
            self = .unreadable
            return
        }
        var attrs: [(key: String, value: JSONValue)] = []
        switch value["_lcattrs"] {
        case nil, .null?: break
        case .object(let members)?: attrs = members
        default:
            self = .unreadable
            return
        }
        let text = value["_lctext"]?.stringValue
        if case .number(let code)? = value["_lctype"], code == code.rounded(), abs(code) < 1e9 {
            self.init(kind: MessageKind(typeCode: Int(code)), typeCode: Int(code), text: text ?? "", attrs: attrs)
        } else if let text {
            self.init(kind: .text, typeCode: nil, text: text, attrs: attrs)
        } else {
            self.init(kind: .unknown(0), typeCode: nil, text: "", attrs: attrs)
        }
    }

    /// Content that looks like a JSON object but cannot be read as a message.
    static let unreadable = MessageContent(kind: .unknown(0), typeCode: nil, text: "")

    /// The `_lcattrs` value under `key`.
    public func attr(_ key: String) -> JSONValue? {
        attrs.first { $0.key == key }?.value
    }
}
