import PushCompose

/// One receiver's push from one hook call, to enqueue: one job per device.
public struct NewPush: Sendable, Equatable {
    /// Stable id of the push (one per receiver and hook call), sent to every provider
    /// and kept in the audit log: an app recognises a duplicate delivery by it.
    public var pushId: String
    public var hookCallId: String
    public var receiver: String
    public var conversation: String
    public var template: String
    /// The rendered payload, structured: each provider encodes it for its channel.
    public var payload: JSONValue
    /// Whether the push counts toward the receiver's badge (the template's `badge: increment`).
    public var incrementsBadge: Bool
    public var devices: [DeviceAddress]

    public init(
        pushId: String, hookCallId: String, receiver: String, conversation: String, template: String,
        payload: JSONValue, incrementsBadge: Bool, devices: [DeviceAddress]
    ) {
        self.pushId = pushId
        self.hookCallId = hookCallId
        self.receiver = receiver
        self.conversation = conversation
        self.template = template
        self.payload = payload
        self.incrementsBadge = incrementsBadge
        self.devices = devices
    }
}

/// What enqueuing a push did: its jobs, and the receiver's badge number it carries.
public struct EnqueuedPush: Sendable, Equatable {
    public var pushId: String
    public var receiver: String
    /// The receiver's unread count including this push; nil when it does not count.
    public var badge: Int?
    /// One job per device, in the order of `NewPush.devices`.
    public var jobIds: [Int64]

    public init(pushId: String, receiver: String, badge: Int?, jobIds: [Int64]) {
        self.pushId = pushId
        self.receiver = receiver
        self.badge = badge
        self.jobIds = jobIds
    }
}
