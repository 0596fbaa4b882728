/// What a provider made of one attempt. `status` is the HTTP status when there was an
/// answer (nil for a connection error or a timeout).
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered(status: Int?)
    /// Try again later, not before `retryAfter` when the provider said so.
    case retry(status: Int?, reason: String, retryAfter: Duration?)
    /// The token is dead: remove the device; the push is not retried.
    case deviceGone(status: Int?, reason: String)
    /// The provider refused the push for good: dead-letter it.
    case failedPermanently(status: Int?, reason: String)

    public var status: Int? {
        switch self {
        case .delivered(let status), .retry(let status, _, _), .deviceGone(let status, _), .failedPermanently(let status, _):
            return status
        }
    }

    public var reason: String? {
        switch self {
        case .delivered: return nil
        case .retry(_, let reason, _), .deviceGone(_, let reason), .failedPermanently(_, let reason): return reason
        }
    }
}
