import PushCompose

/// What the composer read for one `_receiversOffline` call, kept in its audit record
/// (`input`, with `auditText: full`) so that `replay` can compose the call again with
/// other templates: the call's parameters as received, and what the registry answered
/// for its sender, receivers and mentioned peers (name, locale, whether the custom
/// channel reaches them; those it knew nothing of are not listed) and for its conversation. A call too large to keep whole is
/// marked `inputOmitted` instead: a replay must not compose from a cut input.
enum HookAuditInput {
    case kept(encoded: [UInt8])
    case omitted(reason: String)

    static let maxClients = AuditLimits.listEntries
    static let maxBytes = 64 << 10

    /// - Parameter body: the request body the parameters were parsed from.
    static func make(
        body: some Collection<UInt8>, parameters: HookParameters, hook: ReceiversOfflineHook, registry: some RegistryLookup
    ) -> HookAuditInput {
        guard body.count <= maxBytes else { return .omitted(reason: "over \(maxBytes >> 10) KiB") }
        var seen = Set<String>()
        var ids: [String] = []
        for id in CollectionOfOne(hook.fromPeer) + hook.offlinePeers + hook.mentionOfflinePeers where seen.insert(id).inserted {
            guard ids.count < maxClients else { return .omitted(reason: "over \(maxClients) clients") }
            ids.append(id)
        }
        var input = JSONObjectWriter(reservingCapacity: body.count + 48 * ids.count + 64)
        // The body as it came when it is one line (it parsed, so it is JSON); else the
        // parameters again, since a record is one line.
        if body.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            input.member("hook", JSONValue.object(parameters.members))
        } else {
            input.member("hook", encoded: Array(body))
        }
        // Only what the registry knew: a client it had no name, locale or custom channel
        // for is left out, which replay reads back alike (most receivers of a large group).
        input.member("clients") { clients in
            for id in ids {
                let client = registry.client(id)
                let custom = registry.hasCustomChannel(id)
                guard client?.name != nil || client?.locale != nil || custom else { continue }
                clients.member(id) { entry in
                    if let name = client?.name { entry.member("name", name) }
                    if let locale = client?.locale { entry.member("locale", locale) }
                    if custom { entry.member("custom", true) }
                }
            }
        }
        input.member("conversation") { conversation in
            if let entry = registry.conversation(hook.convId) {
                if let name = entry.name { conversation.member("name", name) }
                conversation.member("system", entry.system)
            }
        }
        let encoded = input.finish()
        guard encoded.count <= maxBytes else { return .omitted(reason: "over \(maxBytes >> 10) KiB") }
        return .kept(encoded: encoded)
    }
}
