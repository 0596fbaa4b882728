/// The policy knobs a template sets for the pushes it renders.
public struct PushPolicy: Sendable, Equatable {
    public enum Badge: String, Sendable, CaseIterable {
        /// `"badge": "Increment"`, which the built-in push understands.
        case increment
        /// No badge in the payload.
        case none
    }

    /// The message text is cut to this many characters (grapheme clusters).
    public var truncate: Int
    /// Appended to cut text.
    public var ellipsis: String
    public var badge: Badge
    public var forceOnMute: ForceOnMute
    /// The alert says that a message arrived, never what it says.
    public var privacy: Bool
    /// Above this many offline receivers only mentioned receivers are pushed.
    public var mentionOnlyAbove: Int?
    /// `false`: answer `{"skip": true}` and send every push through the service's own channel.
    public var builtin: Bool

    public init(
        truncate: Int = 40, ellipsis: String = "…", badge: Badge = .increment, forceOnMute: ForceOnMute = .mentions,
        privacy: Bool = false, mentionOnlyAbove: Int? = nil, builtin: Bool = true
    ) {
        self.truncate = truncate
        self.ellipsis = ellipsis
        self.badge = badge
        self.forceOnMute = forceOnMute
        self.privacy = privacy
        self.mentionOnlyAbove = mentionOnlyAbove
        self.builtin = builtin
    }
}
