import PushCompose

extension JSONObjectWriter {
    /// `strings` up to `AuditLimits.listEntries`, and `key`Omitted: how many more there were.
    mutating func listed(_ key: String, strings: [String]) {
        member(key, strings: strings.count > AuditLimits.listEntries ? Array(strings.prefix(AuditLimits.listEntries)) : strings)
        omitted(key, total: strings.count)
    }

    /// `objects` up to `AuditLimits.listEntries`, each written by `write`, and `key`Omitted:
    /// how many more there were.
    mutating func listed<Elements: Collection>(
        _ key: String, objects: Elements, _ write: (inout JSONObjectWriter, Elements.Element) -> Void
    ) {
        member(key, objects: objects.prefix(AuditLimits.listEntries), write)
        omitted(key, total: objects.count)
    }

    private mutating func omitted(_ key: String, total: Int) {
        if total > AuditLimits.listEntries { member(key + "Omitted", total - AuditLimits.listEntries) }
    }
}
