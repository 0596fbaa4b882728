import NIOCore

/// What the connection guard knows of one connection. Lives on the connection's event loop
/// and is updated by plain stores there, so tracking costs next to nothing per request.
final class TrackedConnection {
    let channel: any Channel
    let loop: LoopConnections
    /// Position in `loop`'s list, for removal in constant time; nil once removed.
    var index: Int?
    /// When the first byte of the request being read arrived; nil between requests.
    var requestStarted: NIODeadline?
    /// Requests whose head has been read and whose response has not ended: while there is
    /// one, the connection is inside a request and is never closed to make room.
    var openResponses = 0
    /// When the connection opened or its last response ended.
    var lastActivity: NIODeadline
    /// Whether any response ended on it; connections never answered are closed first.
    var answered = false

    init(channel: any Channel, loop: LoopConnections, index: Int, now: NIODeadline) {
        self.channel = channel
        self.loop = loop
        self.index = index
        lastActivity = now
    }

    /// Not inside a request, so it may be closed to make room.
    var isIdle: Bool { openResponses == 0 }

    /// Whether it has broken a timeout as of `now`.
    func hasTimedOut(now: NIODeadline, limits: ConnectionLimits) -> Bool {
        if let requestStarted { return now - requestStarted > limits.requestTimeout }
        return isIdle && now - lastActivity > limits.idleTimeout
    }
}
