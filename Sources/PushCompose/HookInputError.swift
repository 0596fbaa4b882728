/// A hook body that cannot be used, with what was wrong in words a caller can act on.
public struct HookInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case invalidUTF8
        case notJSON
        case notAnObject
        case missingField(String)
        case wrongType(field: String, expected: String)
        /// A list of ids (`offlinePeers`, `mentionOfflinePeers`) longer than the limit.
        case tooManyPeers(field: String, count: Int, limit: Int)
        /// A client or conversation id that `IdentifierRule` refuses; `field` names the
        /// parameter, with the item's index in a list (`offlinePeers[2]`).
        case invalidId(field: String, IdentifierRule.Problem)
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
        case .tooManyPeers(let field, let count, let limit): return "\(field) lists \(count) receivers, more than the limit of \(limit)"
        case .invalidId(let field, let problem): return "parameter '\(field)' \(problem)"
        }
    }
}
