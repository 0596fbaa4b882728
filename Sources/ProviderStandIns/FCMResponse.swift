import NIOCore
import NIOHTTP1
import PushCompose

/// An HTTP/1.1 response from the FCM stand-in: a status and a JSON body.
struct FCMResponse: Sendable {
    var status: Int
    var body: JSONValue
    var retryAfter: String?

    /// Google's error shape; `fcmErrorCode` adds an FcmError detail as FCM v1 sends it.
    static func googleError(status: Int, grpcStatus: String, message: String, fcmErrorCode: String? = nil, retryAfter: String? = nil) -> FCMResponse {
        var error: [(key: String, value: JSONValue)] = [
            ("code", .number(Double(status))), ("message", .string(message)), ("status", .string(grpcStatus)),
        ]
        if let fcmErrorCode {
            let detail: JSONValue = .object([
                ("@type", .string("type.googleapis.com/google.firebase.fcm.v1.FcmError")), ("errorCode", .string(fcmErrorCode)),
            ])
            error.append(("details", .array([detail])))
        }
        return FCMResponse(status: status, body: .object([("error", .object(error))]), retryAfter: retryAfter)
    }

    /// An OAuth2 error as Google's token endpoint sends it.
    static func oauthError(_ error: String, description: String) -> FCMResponse {
        FCMResponse(status: 400, body: .object([("error", .string(error)), ("error_description", .string(description))]))
    }

    /// Writes the response on `channel`, closing the connection after it unless `keepAlive`.
    func write(to channel: Channel, keepAlive: Bool) {
        var bytes: [UInt8] = []
        JSONEncoding.write(body, into: &bytes)
        var headers = HTTPHeaders([("content-type", "application/json; charset=UTF-8"), ("content-length", String(bytes.count))])
        if let retryAfter { headers.add(name: "retry-after", value: retryAfter) }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: bytes))), promise: nil)
        let sent = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        if !keepAlive { sent.whenComplete { _ in channel.close(promise: nil) } }
    }
}
