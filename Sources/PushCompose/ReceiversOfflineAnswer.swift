/// The return value of `_receiversOffline`; every member optional (docs/hook-protocol.md).
public struct ReceiversOfflineAnswer: Sendable, Equatable {
    public var skip: Bool?
    public var offlinePeers: [String]?
    public var pushMessage: String?
    public var force: Bool?

    public init(skip: Bool? = nil, offlinePeers: [String]? = nil, pushMessage: String? = nil, force: Bool? = nil) {
        self.skip = skip
        self.offlinePeers = offlinePeers
        self.pushMessage = pushMessage
        self.force = force
    }

    public static let skipBuiltinPush = ReceiversOfflineAnswer(skip: true)

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let skip { members.append((key: "skip", value: .bool(skip))) }
        if let offlinePeers { members.append((key: "offlinePeers", value: .array(offlinePeers.map(JSONValue.string)))) }
        if let pushMessage { members.append((key: "pushMessage", value: .string(pushMessage))) }
        if let force { members.append((key: "force", value: .bool(force))) }
        return .object(members)
    }
}
