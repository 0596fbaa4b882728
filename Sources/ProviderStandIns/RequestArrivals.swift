import Synchronization

/// Counts a stand-in's requests and wakes the callers waiting for a count, as
/// requests arrive rather than by polling.
final class RequestArrivals: Sendable {
    private struct Waiter {
        var count: Int
        var continuation: CheckedContinuation<Bool, Never>
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
        let satisfied = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.count += 1
            guard !state.waiters.isEmpty else { return [] }
            let count = state.count
            let ready = state.waiters.filter { $0.value.count <= count }
            for id in ready.keys { state.waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
        for continuation in satisfied { continuation.resume(returning: true) }
    }

    /// True once `count` requests arrived; false when `timeout` passed first.
    func wait(for count: Int, timeout: Duration) async -> Bool {
        let id = state.withLock { state -> Int? in
            guard state.count < count else { return nil }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        guard let id else { return true }
        // The timer only bounds the wait; the arrival itself resumes the caller.
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.give(up: id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let arrivedMeanwhile = state.withLock { state -> Bool in
                if state.count >= count { return true }
                state.waiters[id] = Waiter(count: count, continuation: continuation)
                return false
            }
            if arrivedMeanwhile { continuation.resume(returning: true) }
        }
    }

    private func give(up id: Int) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
    }
}
