extension FCMStandIn {
    /// How the stand-in answers a send request that passed its checks.
    public enum Answer: Sendable, Equatable {
        /// 200 `{"name": "projects/<project>/messages/<id>"}`.
        case ok
        /// Google's error shape: `{"error": {"code": status, "message": …, "status": grpcStatus,
        /// "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
        /// "errorCode": fcmErrorCode}]}}`, details only when `fcmErrorCode` is set; a
        /// `Retry-After` header when `retryAfter` is given.
        case error(status: Int, grpcStatus: String, fcmErrorCode: String?, retryAfter: String? = nil)
        /// Closes the TCP connection without answering.
        case dropConnection
        /// No answer until `releaseHung()` (then 200) or `shutdown()`.
        case hang
    }
}
