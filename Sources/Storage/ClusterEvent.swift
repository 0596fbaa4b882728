import Delivery

/// What an instance hears from the others sharing its database.
public enum ClusterEvent: Sendable, Equatable {
    /// Another instance changed shared state.
    case changed(StateChange)
    /// Jobs of this provider were queued or made due (by any instance): wake its workers.
    case work(ProviderKind)
    /// The connection that hears events was lost and made again: anything may have
    /// changed meanwhile, so memory is reloaded from the store and every worker woken.
    case resynchronize
}
