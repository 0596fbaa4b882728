import PushCompose

/// The registry as a recorded call found it, read from its record's `input` (clients:
/// name, locale, whether the custom channel reached them; the conversation: name,
/// system) and `muted` list, so that a replay composes with what the composer read then,
/// not with today's names, locales, devices and mutes.
struct RecordedRegistry: RegistryLookup {
    private let clients: [String: ClientEntry]
    private let customChannel: Set<String>
    private let conversationId: String
    private let conversationEntry: ConversationEntry?
    private let muted: Set<String>

    /// - Parameters:
    ///   - input: the record's `input` object.
    ///   - conversation: the call's conversation id.
    ///   - muted: the record's `muted` list.
    init(input: JSONValue, conversation: String, muted: [String]) {
        var clients: [String: ClientEntry] = [:]
        var customChannel = Set<String>()
        for (id, entry) in input["clients"]?.asMembers ?? [] {
            clients[id] = ClientEntry(name: entry["name"]?.stringValue, locale: entry["locale"]?.stringValue)
            if entry["custom"]?.asBool == true { customChannel.insert(id) }
        }
        self.clients = clients
        self.customChannel = customChannel
        conversationId = conversation
        // An empty object: the registry knew nothing of the conversation.
        let recorded = input["conversation"]?.asMembers ?? []
        conversationEntry = recorded.isEmpty
            ? nil : ConversationEntry(name: input["conversation"]?["name"]?.stringValue, system: input["conversation"]?["system"]?.asBool ?? false)
        self.muted = Set(muted)
    }

    func client(_ id: String) -> ClientEntry? { clients[id] }

    func conversation(_ id: String) -> ConversationEntry? { id == conversationId ? conversationEntry : nil }

    func mutedClients(conversation: String) -> Set<String> { conversation == conversationId ? muted : [] }

    func hasCustomChannel(_ client: String) -> Bool { customChannel.contains(client) }
}
