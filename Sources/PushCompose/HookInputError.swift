/// A hook body that cannot be used, with what was wrong in words a caller can act on.
public struct HookInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case invalidUTF8
        case notJSON
        case notAnObject
        case missingField(String)
        case wrongType(field: String, expected: String)
        case tooManyPeers(count: Int, limit: Int)
    }

    public var reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .invalidUTF8: return "body is not valid UTF-8"
        case .notJSON: return "body is not valid JSON"
        case .notAnObject: return "body must be a JSON object of parameters"
        case .missingField(let field): return "missing parameter '\(field)'"
        case .wrongType(let field, let expected): return "parameter '\(field)' must be \(expected)"
        case .tooManyPeers(let count, let limit): return "offlinePeers lists \(count) receivers, more than the limit of \(limit)"
        }
    }
}
