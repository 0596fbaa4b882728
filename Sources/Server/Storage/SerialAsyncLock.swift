import Synchronization

/// Runs critical sections that await one at a time, in the order they asked. A waiter
/// suspends instead of blocking its thread, so waiting never holds up the cooperative
/// pool; unlike an actor, a section keeps the lock across its own suspension points.
final class SerialAsyncLock: Sendable {
    private struct State {
        var held = false
        /// First come, first served.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func withLock<T: Sendable>(_ section: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await section()
    }

    private func acquire() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let enter = state.withLock { state in
                if state.held {
                    state.waiters.append(waiter)
                    return false
                }
                state.held = true
                return true
            }
            if enter { waiter.resume() }
        }
    }

    /// Hands the lock straight to the next waiter, if any, so nobody can cut in.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
