/// A change to shared state that every instance must apply to what it keeps in memory.
/// Drivers announce the changes made through them to the other instances; the receiver
/// reads the current value back from the store (an announcement carries keys, not
/// values, so a late one never overwrites a newer value).
public enum StateChange: Sendable, Hashable {
    /// A client's directory entry (name, locale).
    case client(String)
    /// A conversation's directory entry (name, system).
    case conversation(String)
    /// Whether `client` muted `conversation`.
    case mute(conversation: String, client: String)
    /// A client's devices: registered, moved, dropped or removed.
    case devices(of: String)
    /// An operator reloaded the templates: every instance reads its files again.
    case templates
    /// A per-user override of an experiment's variant was set or removed.
    case experimentOverride(experiment: String, unit: String)
}
