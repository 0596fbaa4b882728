import Yams

/// Reads a YAML node tree into typed values, collecting every problem with its line
/// instead of stopping at the first.
struct YAMLReader {
    let file: String
    var problems: [LintProblem] = []
    /// How much of each counted limit the file has used so far.
    private var used: [String: Int] = [:]

    init(file: String) { self.file = file }

    /// Counts `amount` more of `limit`; false once the file is over it, and the first time
    /// a problem at `node` that says so.
    mutating func withinLimit(of limit: Int, _ what: String, adding amount: Int, at node: Node) -> Bool {
        let before = used[what, default: 0]
        used[what] = before + amount
        guard before + amount > limit else { return true }
        if before <= limit {
            problem(node, "more than \(limit) \(what) in the file; that is the limit for a template file")
        }
        return false
    }

    mutating func problem(_ node: Node?, _ reason: String) {
        problems.append(LintProblem(file: file, line: node?.mark?.line ?? 1, reason: reason))
    }

    /// The members of a mapping, refusing keys not in `allowed` (typos would otherwise pass silently).
    mutating func mapping(_ node: Node, at path: String, allowed: Set<String>? = nil) -> [(key: String, node: Node, keyNode: Node)] {
        guard case .mapping(let mapping) = node else {
            problem(node, "'\(path)' must be a mapping")
            return []
        }
        var members: [(key: String, node: Node, keyNode: Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else {
                problem(key, "keys in '\(path)' must be strings")
                continue
            }
            if let allowed, !allowed.contains(name) {
                let expected = allowed.sorted().joined(separator: ", ")
                problem(key, "unknown key '\(name)' in '\(path)' (expected one of: \(expected))")
                continue
            }
            members.append((key: name, node: value, keyNode: key))
        }
        return members
    }

    mutating func string(_ node: Node, at path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            problem(node, "'\(path)' must be a string")
            return nil
        }
        return scalar.string
    }

    mutating func int(_ node: Node, at path: String, minimum: Int? = nil) -> Int? {
        guard case .scalar = node, let value = node.int else {
            problem(node, "'\(path)' must be a whole number")
            return nil
        }
        if let minimum, value < minimum {
            problem(node, "'\(path)' must be at least \(minimum)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, at path: String) -> Bool? {
        guard case .scalar = node, let value = node.bool else {
            problem(node, "'\(path)' must be true or false")
            return nil
        }
        return value
    }

    /// A string or a list of strings.
    mutating func strings(_ node: Node, at path: String) -> [String] {
        switch node {
        case .scalar(let scalar): return [scalar.string]
        case .sequence(let sequence):
            return sequence.compactMap { item in
                guard case .scalar(let scalar) = item else {
                    problem(item, "'\(path)' must list strings")
                    return nil
                }
                return scalar.string
            }
        default:
            problem(node, "'\(path)' must be a string or a list of strings")
            return []
        }
    }

    /// A whole number or a list of them.
    mutating func ints(_ node: Node, at path: String) -> [Int] {
        let items: [Node]
        if case .sequence(let sequence) = node { items = Array(sequence) } else { items = [node] }
        return items.compactMap { int($0, at: path) }
    }
}
