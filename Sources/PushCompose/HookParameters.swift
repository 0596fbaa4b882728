/// The parameters object of a hook call, after the protocol's rule that keys starting
/// with `_` (except `__type`) are dropped. Typed accessors name the field on error.
public struct HookParameters: Sendable {
    public private(set) var members: [String: JSONValue]

    /// Parses a request body. Invalid UTF-8, non-JSON and non-object bodies are refused.
    public init(body: some Collection<UInt8>) throws(HookInputError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            // Invalid UTF-8 outside strings fails the parse too; name it as such.
            if error.reason == "invalid UTF-8 in a string" || String(validating: body, as: UTF8.self) == nil {
                throw HookInputError(.invalidUTF8)
            }
            throw HookInputError(.notJSON)
        }
        guard case .object(let members) = value else { throw HookInputError(.notAnObject) }
        var kept: [String: JSONValue] = [:]
        kept.reserveCapacity(members.count)
        for (key, value) in members where !key.hasPrefix("_") || key == "__type" {
            kept[key] = value
        }
        self.members = kept
    }

    public init(_ members: [String: JSONValue]) {
        self.members = members
    }

    public subscript(key: String) -> JSONValue? { members[key] }

    public func string(_ key: String) throws(HookInputError) -> String {
        guard let value = members[key], value != .null else { throw HookInputError(.missingField(key)) }
        guard case .string(let s) = value else { throw HookInputError(.wrongType(field: key, expected: "a string")) }
        return s
    }

    public func optionalString(_ key: String) throws(HookInputError) -> String? {
        guard let value = members[key], value != .null else { return nil }
        guard case .string(let s) = value else { throw HookInputError(.wrongType(field: key, expected: "a string")) }
        return s
    }

    public func optionalBool(_ key: String) throws(HookInputError) -> Bool? {
        guard let value = members[key], value != .null else { return nil }
        guard case .bool(let b) = value else { throw HookInputError(.wrongType(field: key, expected: "a boolean")) }
        return b
    }

    public func optionalNumber(_ key: String) throws(HookInputError) -> Double? {
        guard let value = members[key], value != .null else { return nil }
        guard case .number(let n) = value else { throw HookInputError(.wrongType(field: key, expected: "a number")) }
        return n
    }

    public func stringArray(_ key: String, required: Bool) throws(HookInputError) -> [String] {
        guard let value = members[key], value != .null else {
            if required { throw HookInputError(.missingField(key)) }
            return []
        }
        guard case .array(let items) = value else { throw HookInputError(.wrongType(field: key, expected: "an array of strings")) }
        var strings: [String] = []
        strings.reserveCapacity(items.count)
        for item in items {
            guard case .string(let s) = item else { throw HookInputError(.wrongType(field: key, expected: "an array of strings")) }
            strings.append(s)
        }
        return strings
    }
}
