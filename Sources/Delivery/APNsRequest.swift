import Foundation
import PushCompose

/// One push as APNs takes it: the path with the device token, the `apns-*` headers and
/// the JSON payload (`aps` and the app's members beside it).
public struct APNsRequest: Sendable {
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// APNs' limit for a whole payload, in bytes.
    public static let maxPayloadBytes = 4096

    /// - Parameters:
    ///   - topic: the configured topic; a device registered with its own topic uses that.
    ///   - expiresAt: until when APNs may keep trying the device (`apns-expiration`).
    public init(job: PushJob, topic: String, expiresAt: Date) {
        let fields = NotificationFields(job: job)
        path = "/3/device/" + job.device.token
        var payload: [(key: String, value: JSONValue)] = [(key: "aps", value: fields.aps)]
        payload.append(contentsOf: fields.custom.filter { $0.key != "aps" })
        var body: [UInt8] = []
        body.reserveCapacity(512)
        JSONEncoding.write(.object(payload), into: &body)
        self.body = body

        let background = fields.isBackground
        headers = [
            ("apns-topic", job.device.topic ?? topic),
            ("apns-push-type", background ? "background" : "alert"),
            ("apns-id", job.pushId),
            ("apns-expiration", String(Int64(expiresAt.timeIntervalSince1970))),
            ("apns-priority", background ? "5" : "10"),
        ]
        // APNs refuses a collapse id over 64 bytes: a longer one is not sent rather than the push refused.
        if let collapseId = fields.collapseId, collapseId.utf8.count <= 64 {
            headers.append(("apns-collapse-id", collapseId))
        }
    }
}
