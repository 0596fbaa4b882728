import Foundation

/// Whether a Mustache text can show its receiver's id or name: what makes a payload
/// personal, so that it may go to no one else.
extension MustacheText {
    var namesReceiver: Bool { allVariables.contains(where: Self.namesReceiver) }

    /// `receiver.id`, `receiver.name`, or `receiver` itself (a section on it reads `{{name}}`),
    /// also inside a transform (`uppercased(receiver.name)`) and at any section depth (a
    /// name inside a section climbs to the root).
    static func namesReceiver(_ name: String) -> Bool {
        var path = Substring(name)
        if let open = path.lastIndex(of: "(") { path = path[path.index(after: open)...] }
        if let close = path.firstIndex(of: ")") { path = path[..<close] }
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first == "receiver" else { return false }
        return parts.count == 1 || !["locale", "mentioned"].contains(parts[1])
    }
}
