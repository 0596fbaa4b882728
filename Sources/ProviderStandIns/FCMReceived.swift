import PushCompose

extension FCMStandIn {
    /// A send request as the stand-in received it, with what its checks found.
    public struct Received: Sendable {
        public var path: String
        /// Lower-cased names; repeated headers joined by ", ".
        public var headers: [String: String]
        public var body: [UInt8]
        /// The body parsed, when it is JSON.
        public var json: JSONValue?
        /// The bearer token as sent.
        public var accessToken: String?
        /// `message.token`, when it is a string.
        public var deviceToken: String?
        /// What the checks found; empty when the request was right.
        public var problems: [String]
    }
}
