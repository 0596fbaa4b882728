import Logging
import NIOCore

/// One listener's connections on one event loop. Everything here runs on that loop, so the
/// per-request bookkeeping needs no locks; a sweep on the loop enforces the timeouts.
final class LoopConnections {
    let eventLoop: any EventLoop
    private let limits: ConnectionLimits
    private let logger: Logger
    /// Open connections of the listener, on every loop.
    private let listenerCount: ConnectionCount
    private var connections: [TrackedConnection] = []
    /// The time as of the last sweep: requests read this instead of the clock.
    private(set) var now = NIODeadline.now()
    private var sweeping = false
    private var closedSinceReport = Closures()
    private var lastReport = NIODeadline.distantPast

    private struct Closures {
        var timedOut = 0
        var madeRoom = 0
    }

    init(eventLoop: any EventLoop, limits: ConnectionLimits, logger: Logger, listenerCount: ConnectionCount) {
        self.eventLoop = eventLoop
        self.limits = limits
        self.logger = logger
        self.listenerCount = listenerCount
    }

    func admit(_ channel: any Channel) -> TrackedConnection {
        if !sweeping {
            now = .now()
            sweeping = true
            scheduleSweep()
        }
        let connection = TrackedConnection(channel: channel, loop: self, index: connections.count, now: now)
        connections.append(connection)
        let open = listenerCount.opened()
        if open > limits.maxConnections { makeRoom(open: open, sparing: connection) }
        return connection
    }

    func remove(_ connection: TrackedConnection) {
        guard let index = connection.index else { return }
        let last = connections.removeLast()
        if last !== connection {
            connections[index] = last
            last.index = index
        }
        connection.index = nil
        listenerCount.closed()
    }

    /// Closes idle connections, those never answered first, then the longest idle, down to a
    /// little under the limit, so that the next ones admitted do not each need a search.
    private func makeRoom(open: Int, sparing newcomer: TrackedConnection) {
        let target = limits.maxConnections - max(1, limits.maxConnections / 16)
        let candidates = connections.filter { $0.isIdle && $0 !== newcomer }.sorted { a, b in
            a.answered != b.answered ? !a.answered : a.lastActivity < b.lastActivity
        }
        let victims = candidates.prefix(open - target)
        closedSinceReport.madeRoom += victims.count
        close(victims)
    }

    private func close(_ victims: some Collection<TrackedConnection>) {
        for connection in victims {
            remove(connection)
            connection.channel.close(promise: nil)
        }
    }

    private func scheduleSweep() {
        eventLoop.assumeIsolated().scheduleTask(in: limits.sweepInterval) { self.sweep() }
    }

    private func sweep() {
        now = .now()
        let limits = self.limits
        let expired = connections.filter { $0.hasTimedOut(now: now, limits: limits) }
        closedSinceReport.timedOut += expired.count
        close(expired)
        report()
        if connections.isEmpty {
            sweeping = false
        } else {
            scheduleSweep()
        }
    }

    /// At most one line a minute per loop, only when connections were closed to make room:
    /// the operator learns of a flood without the log becoming one.
    private func report() {
        guard closedSinceReport.madeRoom > 0, now - lastReport >= .seconds(60) else { return }
        logger.warning(
            "connection limit \(limits.maxConnections) reached: closed \(closedSinceReport.madeRoom) idle connections to make room (and \(closedSinceReport.timedOut) that timed out) since the last report")
        closedSinceReport = Closures()
        lastReport = now
    }
}
