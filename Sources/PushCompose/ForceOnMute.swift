/// Whether a push goes to a receiver who muted the conversation.
public enum ForceOnMute: String, Sendable, CaseIterable {
    /// Muted receivers are never pushed.
    case never
    /// Mentioned receivers are pushed even if they muted the conversation.
    case mentions
    /// Every receiver is pushed, muted or not.
    case always

    public func forces(mentioned: Bool) -> Bool {
        switch self {
        case .never: return false
        case .mentions: return mentioned
        case .always: return true
        }
    }
}
