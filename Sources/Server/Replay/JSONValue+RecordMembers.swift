import PushCompose

/// Reading a parsed audit record's members: lists of strings and objects, booleans, numbers.
/// A member of another type reads as absent, as a record of another version may hold.
extension JSONValue {
    var asBool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A whole number.
    var asInt: Int? {
        if case .number(let value) = self { return Int(exactly: value) }
        return nil
    }

    var asArray: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    /// The strings of an array (other elements skipped).
    var asStrings: [String] { asArray.compactMap(\.stringValue) }

    /// An object's members; empty for anything else.
    var asMembers: [(key: String, value: JSONValue)] {
        if case .object(let members) = self { return members }
        return []
    }
}
