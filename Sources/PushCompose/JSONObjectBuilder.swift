/// Collects an object's members so that each key appears once: a repeated key keeps
/// the position of its first occurrence and takes the value of its last, as
/// JavaScript's `JSON.parse` does. Every reader of a parsed object then sees the same
/// value, whichever end it scans from.
///
/// Keys compare as Swift compares strings (canonical equivalence), since that is how
/// every consumer looks them up.
struct JSONObjectBuilder {
    /// Up to this many members a scan finds a key faster than hashing it.
    static let scanLimit = 16

    private(set) var members: [(key: String, value: JSONValue)] = []
    /// Key → position in `members`, built once the object outgrows `scanLimit`, so a
    /// huge object costs linear time, not quadratic.
    private var positions: [String: Int]?

    @inline(__always) mutating func set(_ key: String, _ value: JSONValue) {
        if let position = position(of: key) {
            members[position].value = value
            return
        }
        members.append((key: key, value: value))
        if positions != nil {
            positions?[key] = members.count - 1
        } else if members.count > Self.scanLimit {
            var index: [String: Int] = [:]
            index.reserveCapacity(members.count * 2)
            for (position, member) in members.enumerated() { index[member.key] = position }
            positions = index
        }
    }

    @inline(__always) private func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return members.firstIndex { $0.key == key }
    }
}
