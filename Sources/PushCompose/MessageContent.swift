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

    /// Reads `content`. Anything that is not a JSON object with an integer `_lctype`
    /// is plain text and kept as it is.
    public init(parsing content: String) {
        guard content.first == "{",
              let value = try? JSONParser.parse(content),
              case .object = value,
              case .number(let code)? = value["_lctype"],
              code == code.rounded(), abs(code) < 1e9
        else {
            self.init(kind: .plain, typeCode: nil, text: content)
            return
        }
        let typeCode = Int(code)
        var attrs: [(key: String, value: JSONValue)] = []
        if case .object(let members)? = value["_lcattrs"] { attrs = members }
        self.init(kind: MessageKind(typeCode: typeCode), typeCode: typeCode, text: value["_lctext"]?.stringValue ?? "", attrs: attrs)
    }

    /// The `_lcattrs` value under `key`.
    public func attr(_ key: String) -> JSONValue? {
        attrs.first { $0.key == key }?.value
    }
}
