import Synchronization

/// Counts a stand-in's requests and wakes the callers waiting for a count, as
/// requests arrive rather than by polling.
final class RequestArrivals: Sendable {
    private struct Waiter {
        var count: Int
        var continuation: CheckedContinuation<Bool, Never>
        /// Gives up at the timeout; cancelled when the count is reached first.
        var timer: Task<Void, Never>?
    }

    private struct State {
        var count = 0
        var nextWaiter = 0
        var waiters: [Int: Waiter] = [:]
    }

    private let state = Mutex(State())

    /// The requests seen so far.
    var count: Int { state.withLock { $0.count } }

    /// Counts one request and resumes the waiters it satisfies.
    func record() {
        let satisfied = state.withLock { state -> [Waiter] in
            state.count += 1
            guard !state.waiters.isEmpty else { return [] }
            let count = state.count
            let ready = state.waiters.filter { $0.value.count <= count }
            for id in ready.keys { state.waiters[id] = nil }
            return Array(ready.values)
        }
        for waiter in satisfied {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: true)
        }
    }

    /// True once `count` requests arrived; false when `timeout` passed first.
    func wait(for count: Int, timeout: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            let id = state.withLock { state -> Int? in
                guard state.count < count else { return nil }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = Waiter(count: count, continuation: continuation)
                return state.nextWaiter
            }
            guard let id else { return continuation.resume(returning: true) }
            // The timer only bounds the wait; the arrival itself resumes the caller.
            let timer = Task {
                try? await Task.sleep(for: timeout)
                self.give(up: id)
            }
            let stillWaiting = state.withLock { state -> Bool in
                state.waiters[id]?.timer = timer
                return state.waiters[id] != nil
            }
            if !stillWaiting { timer.cancel() }
        }
    }

    private func give(up id: Int) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
    }
}
