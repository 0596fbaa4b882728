import Delivery
import PushCompose

/// What the composer reads during one hook call: the registry, and the receivers'
/// devices read for that call. A receiver's locale is the registry's, else their most
/// recently seen device's; a receiver has the custom channel when a device of theirs is
/// on a configured provider.
struct DeviceAwareRegistry: RegistryLookup {
    let registry: Registry
    let devices: [String: [Device]]
    let providers: Set<ProviderKind>

    func client(_ id: String) -> ClientEntry? {
        let entry = registry.client(id)
        // Most calls reach no one with a device: no lookup per receiver then.
        guard !devices.isEmpty, entry?.locale == nil, let locale = devices[id]?.lazy.compactMap(\.locale).first else { return entry }
        var withLocale = entry ?? ClientEntry()
        withLocale.locale = locale
        return withLocale
    }

    func conversation(_ id: String) -> ConversationEntry? { registry.conversation(id) }
    func mutedClients(conversation: String) -> Set<String> { registry.mutedClients(conversation: conversation) }

    func hasCustomChannel(_ client: String) -> Bool {
        guard !devices.isEmpty else { return false }
        return devices[client]?.contains { providers.contains($0.provider) } ?? false
    }
}
