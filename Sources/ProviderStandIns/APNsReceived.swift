import Foundation
import PushCompose

extension APNsStandIn {
    /// A request as the stand-in received it, with what its checks found.
    public struct Received: Sendable {
        public var path: String
        /// The token in the path (`/3/device/<token>`), empty when the path has none.
        public var deviceToken: String
        /// Lower-cased names, pseudo-headers excluded; repeated headers joined by ", ".
        public var headers: [String: String]
        public var body: [UInt8]
        /// The body parsed, when it is a JSON object.
        public var json: JSONValue?
        /// The `iat` of the request's provider token, when the token is valid.
        public var jwtIssuedAt: Date?
        /// The bearer token as sent.
        public var jwt: String?
        /// What the checks found; empty when the request was right.
        public var problems: [String]
        /// Which accepted connection carried it: 1, 2, …
        public var connection: Int
    }
}
