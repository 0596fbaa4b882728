import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One listener's connection limits: read and idle timeouts, and a cap on open connections
/// at which the longest-idle ones are closed to make room. Refusing new connections instead
/// would let a crowd of idle sockets lock real callers out until the timeouts reap them.
final class ConnectionGuard: Sendable {
    let limits: ConnectionLimits
    private let logger: Logger
    private let count = ConnectionCount()
    /// Each event loop's connections, made when the loop gets its first one.
    private let loops = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<LoopConnections>]>([:])

    init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    /// Tracks a new connection; call on its event loop.
    func admit(_ channel: any Channel) -> TrackedConnection {
        let eventLoop = channel.eventLoop
        let loop = loops.withLockedValue { loops in
            let key = ObjectIdentifier(eventLoop)
            if let existing = loops[key] { return existing.value }
            let made = LoopConnections(eventLoop: eventLoop, limits: limits, logger: logger, listenerCount: count)
            loops[key] = NIOLoopBound(made, eventLoop: eventLoop)
            return made
        }
        return loop.admit(channel)
    }

    /// Connections open now, on every loop.
    var openConnections: Int { count.value }
}

/// A listener's open connections, counted across its event loops.
final class ConnectionCount: Sendable {
    private let box = NIOLockedValueBox(0)

    /// Counts one more; returns the new count.
    func opened() -> Int { box.withLockedValue { $0 += 1; return $0 } }
    func closed() { box.withLockedValue { $0 -= 1 } }
    var value: Int { box.withLockedValue { $0 } }
}
