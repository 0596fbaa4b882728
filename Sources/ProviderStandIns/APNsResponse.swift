import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import PushCompose

/// A response as APNs sends it on a stream: `:status`, `apns-id`, and for an error a
/// JSON body `{"reason": …}`.
struct APNsResponse: Sendable {
    var status: Int
    var apnsId: String
    var body: [UInt8]?
    var retryAfter: String?

    static func ok(apnsId: String) -> APNsResponse {
        APNsResponse(status: 200, apnsId: apnsId)
    }

    static func error(status: Int, reason: String, retryAfter: String?, apnsId: String, now: Date) -> APNsResponse {
        var body = JSONObjectWriter(reservingCapacity: 64)
        body.member("reason", reason)
        // APNs says since when the token has been invalid; "now" is as good as any here.
        if status == 410 { body.member("timestamp", Int(now.timeIntervalSince1970 * 1000)) }
        return APNsResponse(status: status, apnsId: apnsId, body: body.finish(), retryAfter: retryAfter)
    }

    /// Writes the response on the stream `channel` and ends the stream.
    func write(to channel: Channel) {
        var headers: HPACKHeaders = [":status": String(status), "apns-id": apnsId]
        if let retryAfter { headers.add(name: "retry-after", value: retryAfter) }
        guard let body else {
            channel.writeAndFlush(HTTP2Frame.FramePayload.headers(.init(headers: headers, endStream: true)), promise: nil)
            return
        }
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.count))
        channel.write(HTTP2Frame.FramePayload.headers(.init(headers: headers)), promise: nil)
        let data = channel.allocator.buffer(bytes: body)
        channel.writeAndFlush(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(data), endStream: true)), promise: nil)
    }
}
