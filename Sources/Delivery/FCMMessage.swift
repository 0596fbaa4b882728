import Foundation
import PushCompose

/// One push as FCM's HTTP v1 `messages:send` takes it:
///
///     {"message": {"token", "notification": {"title", "body"},
///                  "android": {"priority", "collapse_key", "notification": {"tag", "notification_count", "sound"}},
///                  "apns": {…}, "data": {"pushId", "conversation", …the app's members as strings}}}
///
/// `apns` is there for devices registered as `ios` (APNs tokens FCM holds for the app),
/// with the same `aps` an APNs push has. A background push has no `notification`.
public struct FCMMessage: Sendable {
    public var body: [UInt8]

    /// FCM's limit for a message, in bytes.
    public static let maxMessageBytes = 4096

    public init(job: PushJob) {
        let fields = NotificationFields(job: job)
        var message: [(key: String, value: JSONValue)] = [(key: "token", value: .string(job.device.token))]
        let background = fields.isBackground
        if !background {
            var notification: [(key: String, value: JSONValue)] = []
            if let title = fields.title { notification.append((key: "title", value: .string(title))) }
            if let body = fields.body { notification.append((key: "body", value: .string(body))) }
            if !notification.isEmpty { message.append((key: "notification", value: .object(notification))) }
        }
        var android: [(key: String, value: JSONValue)] = [(key: "priority", value: .string(background ? "normal" : "high"))]
        if let collapseId = fields.collapseId { android.append((key: "collapse_key", value: .string(collapseId))) }
        if !background {
            var notification: [(key: String, value: JSONValue)] = []
            if let collapseId = fields.collapseId { notification.append((key: "tag", value: .string(collapseId))) }
            if let badge = fields.badge { notification.append((key: "notification_count", value: .number(Double(badge)))) }
            if case .string(let sound) = fields.sound { notification.append((key: "sound", value: .string(sound))) }
            if !notification.isEmpty { android.append((key: "notification", value: .object(notification))) }
        }
        message.append((key: "android", value: .object(android)))
        if job.device.platform?.lowercased() == "ios" {
            message.append((key: "apns", value: Self.apns(fields, background: background)))
        }
        var data: [(key: String, value: JSONValue)] = [(key: "conversation", value: .string(job.conversation))]
        for member in fields.custom where member.key != "conversation" {
            data.append((key: member.key, value: .string(Self.text(member.value))))
        }
        message.append((key: "data", value: .object(data)))
        var body: [UInt8] = []
        body.reserveCapacity(512)
        JSONEncoding.write(.object([(key: "message", value: .object(message))]), into: &body)
        self.body = body
    }

    /// FCM's data values are strings: a string as it is, anything else as its JSON.
    static func text(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return JSONEncoding.string(value)
    }

    private static func apns(_ fields: NotificationFields, background: Bool) -> JSONValue {
        var headers: [(key: String, value: JSONValue)] = [
            (key: "apns-push-type", value: .string(background ? "background" : "alert")),
            (key: "apns-priority", value: .string(background ? "5" : "10")),
        ]
        if let collapseId = fields.collapseId, collapseId.utf8.count <= 64 {
            headers.append((key: "apns-collapse-id", value: .string(collapseId)))
        }
        return .object([(key: "headers", value: .object(headers)), (key: "payload", value: .object([(key: "aps", value: fields.aps)]))])
    }
}
