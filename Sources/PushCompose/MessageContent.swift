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

    /// Reads `content`. A JSON object is a typed message (hook-protocol.md: content that
    /// is not a JSON object is plain text): its `_lctype` says the kind; without a usable
    /// one it is text when it has `_lctext`, else of unknown kind — never shown as JSON.
    public init(parsing content: String) {
        guard content.first(where: { !$0.isWhitespace }) == "{",
              let value = try? JSONParser.parse(content),
              case .object = value
        else {
            self.init(kind: .plain, typeCode: nil, text: content)
            return
        }
        var attrs: [(key: String, value: JSONValue)] = []
        if case .object(let members)? = value["_lcattrs"] { attrs = members }
        let text = value["_lctext"]?.stringValue
        if case .number(let code)? = value["_lctype"], code == code.rounded(), abs(code) < 1e9 {
            self.init(kind: MessageKind(typeCode: Int(code)), typeCode: Int(code), text: text ?? "", attrs: attrs)
        } else if let text {
            self.init(kind: .text, typeCode: nil, text: text, attrs: attrs)
        } else {
            self.init(kind: .unknown(0), typeCode: nil, text: "", attrs: attrs)
        }
    }

    /// The `_lcattrs` value under `key`.
    public func attr(_ key: String) -> JSONValue? {
        attrs.first { $0.key == key }?.value
    }
}
