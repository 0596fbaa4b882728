import PushCompose

/// What the composer read for one `_receiversOffline` call, kept in its audit record
/// (`input`, with `auditText: full`) so that `replay` can compose the call again with
/// other templates: the call's parameters as received, and what the registry answered
/// for its sender, receivers and mentioned peers (name, locale, whether the custom
/// channel reaches them) and for its conversation. A call too large to keep whole is
/// marked `inputOmitted` instead: a replay must not compose from a cut input.
enum HookAuditInput {
    case kept(encoded: [UInt8])
    case omitted(reason: String)

    static let maxClients = AuditLimits.listEntries
    static let maxBytes = 64 << 10

    static func make(parameters: HookParameters, hook: ReceiversOfflineHook, registry: some RegistryLookup) -> HookAuditInput {
        var seen = Set<String>()
        var clients: [(key: String, value: JSONValue)] = []
        for id in CollectionOfOne(hook.fromPeer) + hook.offlinePeers + hook.mentionOfflinePeers where seen.insert(id).inserted {
            guard clients.count < maxClients else { return .omitted(reason: "over \(maxClients) clients") }
            var entry: [(key: String, value: JSONValue)] = []
            if let client = registry.client(id) {
                if let name = client.name { entry.append(("name", .string(name))) }
                if let locale = client.locale { entry.append(("locale", .string(locale))) }
            }
            entry.append(("custom", .bool(registry.hasCustomChannel(id))))
            clients.append((id, .object(entry)))
        }
        var conversation: [(key: String, value: JSONValue)] = []
        if let entry = registry.conversation(hook.convId) {
            if let name = entry.name { conversation.append(("name", .string(name))) }
            conversation.append(("system", .bool(entry.system)))
        }
        var encoded: [UInt8] = []
        JSONEncoding.write(
            .object([("hook", .object(parameters.members)), ("clients", .object(clients)), ("conversation", .object(conversation))]),
            into: &encoded)
        guard encoded.count <= maxBytes else { return .omitted(reason: "over \(maxBytes >> 10) KiB") }
        return .kept(encoded: encoded)
    }
}
