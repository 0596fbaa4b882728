/// Remembers values by key for one call, checking the most recent key before hashing:
/// a call's receivers come in runs alike in locale and mention, so comparing with the
/// last one is usually enough, and a call whose keys are all alike never builds
/// (allocates) the table.
struct RecentFirstMemo<Key: Hashable, Value> {
    private var recent: (key: Key, value: Value)?
    private var earlier: [Key: Value] = [:]

    /// The value remembered for `key`, which becomes the most recent.
    mutating func value(for key: Key) -> Value? {
        if let recent, recent.key == key { return recent.value }
        guard let value = earlier[key] else { return nil }
        remember(value, for: key)
        return value
    }

    mutating func remember(_ value: Value, for key: Key) {
        if let recent { earlier[recent.key] = recent.value }
        recent = (key, value)
    }
}
