import NIOCore

/// How long a connection may sit idle or take to send a request, and how many one listener keeps.
struct ConnectionLimits: Sendable, Equatable {
    /// Keep-alive without a request: closed after this long.
    var idleTimeout: TimeAmount
    /// A request's head and body must arrive within this long of its first byte.
    var requestTimeout: TimeAmount
    /// Past this many open connections the longest-idle ones are closed to make room.
    var maxConnections: Int

    /// How often the timeouts are checked: often enough to hold them to within a quarter.
    var sweepInterval: TimeAmount {
        .nanoseconds(min(TimeAmount.seconds(1).nanoseconds, max(TimeAmount.milliseconds(50).nanoseconds, min(idleTimeout, requestTimeout).nanoseconds / 4)))
    }
}

extension ServerConfiguration {
    /// The configured limits, with `maxConnections` lowered to what the open-files limit allows
    /// each of `listeners`.
    func connectionLimits(listeners: Int, openFiles: Int) -> ConnectionLimits {
        ConnectionLimits(
            idleTimeout: .seconds(Int64(idleTimeoutSeconds)), requestTimeout: .seconds(Int64(requestTimeoutSeconds)),
            maxConnections: min(maxConnections, OpenFileLimit.connectionBudget(openFiles: openFiles) / listeners))
    }
}
