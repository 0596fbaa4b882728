/// Reading client and conversation ids from hook parameters: a string that holds to
/// `IdentifierRule`, or an error naming the parameter (and the item, in a list).
extension HookParameters {
    public func id(_ key: String) throws(HookInputError) -> String {
        let id = try string(key)
        try Self.check(id, key)
        return id
    }

    public func optionalId(_ key: String) throws(HookInputError) -> String? {
        guard let id = try optionalString(key) else { return nil }
        try Self.check(id, key)
        return id
    }

    /// A list of ids, at most `limit` long.
    public func idArray(_ key: String, required: Bool, limit: Int) throws(HookInputError) -> [String] {
        let ids = try stringArray(key, required: required)
        guard ids.count <= limit else { throw HookInputError(.tooManyPeers(field: key, count: ids.count, limit: limit)) }
        for (index, id) in ids.enumerated() {
            if let problem = IdentifierRule.problem(id) {
                throw HookInputError(.invalidId(field: "\(key)[\(index)]", problem))
            }
        }
        return ids
    }

    private static func check(_ id: String, _ key: String) throws(HookInputError) {
        if let problem = IdentifierRule.problem(id) {
            throw HookInputError(.invalidId(field: key, problem))
        }
    }
}
