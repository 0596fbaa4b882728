/// How a job left the queue without being dead-lettered.
public enum JobFinish: String, Sendable, Hashable {
    case delivered
    /// The provider said the token is dead; the device was removed.
    case deviceGone
}
