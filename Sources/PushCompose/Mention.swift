/// How a receiver is mentioned by a message.
public enum Mention: String, Sendable, Hashable {
    case none
    /// The receiver is named in `mentionOfflinePeers` (`@you`).
    case you
    /// The message mentions everyone (`mentionAll`, `@all`).
    case all

    public var isMentioned: Bool { self != .none }
}
