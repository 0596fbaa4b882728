import Synchronization

/// Lets the durable writes (device changes, the intake's admissions, enqueues) go
/// before the workers' bookkeeping on SQLite's one writer: a bookkeeping write waits
/// while a durable write is under way, and goes when it ends. Each durable write then
/// waits for the bookkeeping let through at the end of the previous one, not for every
/// claim and finish queued meanwhile; and bookkeeping is never starved, since durable
/// writes come with gaps between them (group commit, the admission loop's steps).
final class WriterPriority: Sendable {
    private struct State {
        var durableWrites = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func durable<T>(_ write: () async throws -> T) async rethrows -> T {
        state.withLock { $0.durableWrites += 1 }
        defer {
            let released = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.durableWrites -= 1
                guard state.durableWrites == 0 else { return [] }
                defer { state.waiting = [] }
                return state.waiting
            }
            for bookkeeping in released { bookkeeping.resume() }
        }
        return try await write()
    }

    func bookkeeping<T>(_ write: () async throws -> T) async rethrows -> T {
        await withCheckedContinuation { (go: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.durableWrites == 0 { return true }
                state.waiting.append(go)
                return false
            }
            if now { go.resume() }
        }
        return try await write()
    }
}
