extension APNsStandIn {
    /// How the stand-in answers a request that passed its checks.
    public enum Answer: Sendable, Equatable {
        /// 200 with an `apns-id` header (the request's, or a new UUID).
        case ok
        /// `status` with the body `{"reason": reason}` (a 410 adds `timestamp`, ms since
        /// 1970) and a `Retry-After` header when `retryAfter` is given.
        case error(status: Int, reason: String, retryAfter: String? = nil)
        /// Closes the TCP connection without answering this stream (nor any other in flight on it).
        case dropConnection
        /// Sends GOAWAY with a last stream id below this stream's (it was not
        /// processed), then closes the connection.
        case goAway
        /// No answer until `releaseHung()` (then 200) or `shutdown()`.
        case hang
    }
}
