/// The parameters object of a hook call, after the protocol's rule that keys starting
/// with `_` (except `__type`) are dropped. Typed accessors name the field on error.
public struct HookParameters: Sendable {
    /// In body order, each key once (the parser keeps a repeated key's last value).
    /// A handful of keys: a scan is cheaper than hashing them.
    public private(set) var members: [(key: String, value: JSONValue)]

    /// Parses a request body. Invalid UTF-8, non-JSON and non-object bodies are refused.
    public init(body: some Collection<UInt8>) throws(HookInputError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            // Invalid UTF-8 outside strings fails the parse too; name it as such.
            if error.reason == .invalidUTF8 || String(validating: body, as: UTF8.self) == nil {
                throw HookInputError(.invalidUTF8)
            }
            throw HookInputError(.notJSON)
        }
        guard case .object(let members) = value else { throw HookInputError(.notAnObject) }
        self.members = members.filter { !$0.key.hasPrefix("_") || $0.key == "__type" }
    }

    public init(_ members: [String: JSONValue]) {
        self.members = members.map { (key: $0.key, value: $0.value) }
    }

    /// The value under `key`.
    public subscript(key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    public func string(_ key: String) throws(HookInputError) -> String {
        guard let value = self[key], value != .null else { throw HookInputError(.missingField(key)) }
        guard case .string(let s) = value else { throw HookInputError(.wrongType(field: key, expected: "a string")) }
        return s
    }

    public func optionalString(_ key: String) throws(HookInputError) -> String? {
        guard let value = self[key], value != .null else { return nil }
        guard case .string(let s) = value else { throw HookInputError(.wrongType(field: key, expected: "a string")) }
        return s
    }

    public func optionalBool(_ key: String) throws(HookInputError) -> Bool? {
        guard let value = self[key], value != .null else { return nil }
        guard case .bool(let b) = value else { throw HookInputError(.wrongType(field: key, expected: "a boolean")) }
        return b
    }

    public func optionalNumber(_ key: String) throws(HookInputError) -> Double? {
        guard let value = self[key], value != .null else { return nil }
        guard case .number(let n) = value else { throw HookInputError(.wrongType(field: key, expected: "a number")) }
        return n
    }

    public func stringArray(_ key: String, required: Bool) throws(HookInputError) -> [String] {
        guard let value = self[key], value != .null else {
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
