import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// Writes experiments' exposures to the store in batches, off the hook's path: a hook
/// call hands its exposures over and answers. The writer wakes when `batchSize` are
/// waiting, every `interval`, and for `flush()` — not per call, which would cost every
/// hook a task switch. The audit log has every exposure too; what is handed over is
/// written before shutdown completes.
///
/// When the store falls behind by more than `maxPending` exposures, callers wait for the
/// writer (`record` suspends): hooks slow down rather than memory growing without bound
/// or exposures being dropped.
final class ExposureRecorder: Service {
    private let store: any ExperimentStore
    private let logger: Logger
    let maxPending: Int
    let batchSize: Int
    let interval: Duration
    private let pending = Mutex(Pending())

    private struct Pending {
        var calls: [CallExposures] = []
        /// Receivers in `calls`.
        var count = 0
    }
    /// Callers waiting for room.
    private let waitingForRoom = Mutex<[CheckedContinuation<Void, Never>]>([])
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// Written batches, for `flush()`.
    private let flushes = Mutex<[CheckedContinuation<Void, Never>]>([])

    init(
        store: any ExperimentStore, logger: Logger, maxPending: Int = 200_000, batchSize: Int = 2_000,
        interval: Duration = .milliseconds(250)
    ) {
        self.store = store
        self.logger = logger
        self.maxPending = maxPending
        self.batchSize = batchSize
        self.interval = interval
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func record(_ exposures: CallExposures) async {
        let (before, backlog) = pending.withLock { pending in
            let before = pending.count
            pending.calls.append(exposures)
            pending.count += exposures.count
            return (before, pending.count)
        }
        if before < batchSize, backlog >= batchSize { wake.yield() }
        guard backlog > maxPending else { return }
        await withCheckedContinuation { continuation in
            // Checked again under the lock the writer empties it with: no wake-up is missed.
            let room = pending.withLock { pending in
                if pending.count <= maxPending { return true }
                waitingForRoom.withLock { $0.append(continuation) }
                return false
            }
            if room { continuation.resume() }
        }
    }

    /// Returns once everything recorded before the call is written (or failed to be).
    func flush() async {
        await withCheckedContinuation { continuation in
            flushes.withLock { $0.append(continuation) }
            wake.yield()
        }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { [wake, interval] in
                    while (try? await Task.sleep(for: interval)) != nil {
                        if case .terminated = wake.yield() { return }
                    }
                }
                for await _ in wakeups {
                    await writePending()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: { [wake] in
            wake.finish()
        }
        await writePending()
    }

    private func writePending() async {
        let waiting = flushes.withLock { flushes in
            defer { flushes = [] }
            return flushes
        }
        let batch = pending.withLock { pending in
            defer { pending = Pending() }
            return pending.calls
        }
        // The batch is taken: whoever waited for room has it.
        let roomMade = pending.withLock { _ in
            waitingForRoom.withLock { waiting in
                defer { waiting = [] }
                return waiting
            }
        }
        for continuation in roomMade { continuation.resume() }
        if !batch.isEmpty {
            do {
                try await store.recordExposures(batch)
            } catch {
                // The audit log keeps them; the report undercounts until they are replayed.
                logger.error("could not store the experiment exposures of \(batch.count) calls: \(String(reflecting: error))")
            }
        }
        for continuation in waiting { continuation.resume() }
    }
}
