import Hummingbird

/// An admin request's query parameters: each known name at most once, any other name
/// refused, so that a misspelt filter (`?older_than=7d` on a purge) is an error rather
/// than a request that acts on everything. Values are percent-decoded; errors name the
/// parameter.
struct AdminQuery {
    private var values: [String: String] = [:]

    init(_ request: Request, allowed: Set<String>) throws(CloudFunctionError) {
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            guard allowed.contains(name) else {
                throw AdminError.badRequest("unknown query parameter '\(name)' (expected: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard values[name] == nil else { throw AdminError.badRequest("query parameter '\(name)' is given more than once") }
            values[name] = String(value)
        }
    }

    func string(_ name: String) -> String? {
        values[name]
    }

    /// One of a string enumeration's values (`state`, `provider`).
    func oneOf<Value: RawRepresentable & CaseIterable>(_ name: String, _: Value.Type) throws(CloudFunctionError) -> Value?
    where Value.RawValue == String {
        guard let text = values[name] else { return nil }
        guard let value = Value(rawValue: text) else {
            throw AdminError.badRequest("query parameter '\(name)' must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return value
    }

    func integer(_ name: String, in range: ClosedRange<Int64>) throws(CloudFunctionError) -> Int64? {
        guard let text = values[name] else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw AdminError.badRequest("query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }
}
