import PushCompose

/// An admin request's JSON object, read by the same parser as hook bodies so that one
/// rule holds everywhere (of repeated keys the last wins; no byte order mark). Its
/// fields are optional (absent and `null` are nil) and name themselves on error.
struct AdminBody {
    private let object: JSONValue

    init(_ bytes: some Collection<UInt8>) throws(CloudFunctionError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw AdminError.badRequest("body is not valid JSON: \(error.description)")
        }
        guard case .object = value else { throw AdminError.badRequest("body must be a JSON object") }
        object = value
    }

    /// A string of at most `maxLength` characters, counted as Unicode code points.
    func string(_ key: String, maxLength: Int = .max) throws(CloudFunctionError) -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard case .string(let s) = value else { throw AdminError.badRequest("'\(key)' must be a string") }
        let length = s.unicodeScalars.count
        guard length <= maxLength else {
            throw AdminError.badRequest("'\(key)' is \(length) characters long, more than the limit of \(maxLength)")
        }
        return s
    }

    /// Refuses a member not in `known`, naming it: a misspelt optional field would
    /// otherwise be dropped without a word.
    func refuseUnknownMembers(_ known: Set<String>) throws(CloudFunctionError) {
        guard case .object(let members) = object, let unknown = members.first(where: { !known.contains($0.key) }) else { return }
        throw AdminError.badRequest("unknown member '\(unknown.key)' (expected: \(known.sorted().joined(separator: ", ")))")
    }

    func bool(_ key: String) throws(CloudFunctionError) -> Bool? {
        guard let value = object[key], value != .null else { return nil }
        guard case .bool(let b) = value else { throw AdminError.badRequest("'\(key)' must be a boolean") }
        return b
    }
}
