import PushCompose

/// A rendered payload read the way the built-in push reads it, for the channels that
/// reach devices themselves (APNs, FCM): `alert` (a string, or an object with `title`,
/// `subtitle`, `body`), `title`, `subtitle`, `sound`, `badge`, `category`,
/// `content-available`, `mutable-content`, `thread-id`, and `collapse-id` (replaces an
/// earlier notification with the same id). Every other member is the app's own and
/// travels beside the notification.
public struct NotificationFields: Sendable {
    public var title: String?
    public var subtitle: String?
    public var body: String?
    public var sound: JSONValue?
    public var badge: Int?
    public var category: String?
    public var threadId: String?
    public var collapseId: String?
    public var contentAvailable: Bool
    public var mutableContent: Bool
    /// The app's members, in the payload's order.
    public var custom: [(key: String, value: JSONValue)]

    /// The members read here; all others are custom.
    static let known: Set<String> = [
        "alert", "title", "subtitle", "body", "sound", "badge", "category", "content-available", "mutable-content",
        "thread-id", "collapse-id", "pushId",
    ]

    /// Reads the job's payload with its badge number (`ChannelPayload`), the push id
    /// among the custom members (so an app recognises a repeated delivery) and the
    /// conversation as the default thread.
    public init(job: PushJob) {
        let payload = ChannelPayload.make(job, includePushId: true)
        var members: [(key: String, value: JSONValue)] = []
        if case .object(let all) = payload { members = all }
        func text(_ key: String) -> String? { members.last { $0.key == key }?.value.stringValue }
        func flag(_ key: String) -> Bool {
            switch members.last(where: { $0.key == key })?.value {
            case .number(let n): return n != 0
            case .bool(let b): return b
            case .string(let s): return s == "1" || s == "true"
            default: return false
            }
        }
        switch members.last(where: { $0.key == "alert" })?.value {
        case .string(let alert):
            body = alert
        case .object(let alert):
            body = alert.last { $0.key == "body" }?.value.stringValue
            title = alert.last { $0.key == "title" }?.value.stringValue
            subtitle = alert.last { $0.key == "subtitle" }?.value.stringValue
        default:
            body = text("body")
        }
        title = title ?? text("title")
        subtitle = subtitle ?? text("subtitle")
        sound = members.last { $0.key == "sound" }?.value
        if case .number(let n) = members.last(where: { $0.key == "badge" })?.value, n >= 0, n <= Double(Int32.max) { badge = Int(n) }
        category = text("category")
        threadId = text("thread-id") ?? job.conversation
        collapseId = text("collapse-id")
        contentAvailable = flag("content-available")
        mutableContent = flag("mutable-content")
        custom = members.filter { !Self.known.contains($0.key) }
        custom.append((key: "pushId", value: .string(job.pushId)))
    }

    /// Nothing for the user to see or hear: a background (silent) push.
    public var isBackground: Bool {
        contentAvailable && title == nil && subtitle == nil && body == nil && sound == nil
    }
    /// The `aps` dictionary APNs shows: `alert` as a string, or an object when there is
    /// a title or subtitle; nothing to show for a background push.
    public var aps: JSONValue {
        var aps: [(key: String, value: JSONValue)] = []
        if title != nil || subtitle != nil {
            var alert: [(key: String, value: JSONValue)] = []
            if let title { alert.append((key: "title", value: .string(title))) }
            if let subtitle { alert.append((key: "subtitle", value: .string(subtitle))) }
            if let body { alert.append((key: "body", value: .string(body))) }
            aps.append((key: "alert", value: .object(alert)))
        } else if let body {
            aps.append((key: "alert", value: .string(body)))
        }
        if let sound { aps.append((key: "sound", value: sound)) }
        if let badge { aps.append((key: "badge", value: .number(Double(badge)))) }
        if let threadId { aps.append((key: "thread-id", value: .string(threadId))) }
        if let category { aps.append((key: "category", value: .string(category))) }
        if contentAvailable { aps.append((key: "content-available", value: .number(1))) }
        if mutableContent { aps.append((key: "mutable-content", value: .number(1))) }
        return .object(aps)
    }
}
