/// The parameters of a `_receiversOffline` call (docs/hook-protocol.md).
public struct ReceiversOfflineHook: Sendable, Equatable {
    public var fromPeer: String
    public var convId: String
    public var offlinePeers: [String]
    public var content: String
    /// Milliseconds since the epoch when the server received the message.
    public var timestamp: Double?
    public var mentionAll: Bool
    public var mentionOfflinePeers: [String]

    public init(
        fromPeer: String, convId: String, offlinePeers: [String], content: String,
        timestamp: Double? = nil, mentionAll: Bool = false, mentionOfflinePeers: [String] = []
    ) {
        self.fromPeer = fromPeer
        self.convId = convId
        self.offlinePeers = offlinePeers
        self.content = content
        self.timestamp = timestamp
        self.mentionAll = mentionAll
        self.mentionOfflinePeers = mentionOfflinePeers
    }

    /// Reads the parameters, refusing wrong types, ids that `IdentifierRule` refuses and
    /// lists of more than `maxPeers` receivers.
    public init(_ parameters: HookParameters, maxPeers: Int) throws(HookInputError) {
        let offlinePeers = try parameters.idArray("offlinePeers", required: true, limit: maxPeers)
        let timestamp = try parameters.optionalNumber("timestamp")
        // Milliseconds since the epoch; anything beyond ±2^53 is not a time and not exact.
        if let timestamp, !(abs(timestamp) <= 9_007_199_254_740_992) {
            throw HookInputError(.wrongType(field: "timestamp", expected: "milliseconds since the epoch"))
        }
        let mentioned = try parameters.idArray("mentionOfflinePeers", required: false, limit: maxPeers)
        self.init(
            fromPeer: try parameters.id("fromPeer"),
            convId: try parameters.id("convId"),
            offlinePeers: offlinePeers,
            content: try parameters.string("content"),
            timestamp: timestamp,
            mentionAll: try parameters.optionalBool("mentionAll") ?? false,
            mentionOfflinePeers: mentioned
        )
    }
}
