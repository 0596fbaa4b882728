import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// Writes experiments' exposures to the store in batches, off the hook's path: a hook
/// call hands its exposures over and answers; a batch is written as soon as the previous
/// one is, so under load each write carries many calls' exposures. The audit log has
/// every exposure too; what is handed over is written before shutdown completes.
final class ExposureRecorder: Service {
    private let store: any ExperimentStore
    private let logger: Logger
    private let pending = Mutex<[ExperimentExposure]>([])
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// Written batches, for `flush()`.
    private let flushes = Mutex<[CheckedContinuation<Void, Never>]>([])

    init(store: any ExperimentStore, logger: Logger) {
        self.store = store
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func record(_ exposures: [ExperimentExposure]) {
        guard !exposures.isEmpty else { return }
        pending.withLock { $0.append(contentsOf: exposures) }
        wake.yield()
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
            for await _ in wakeups {
                await writePending()
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
            defer { pending = [] }
            return pending
        }
        if !batch.isEmpty {
            do {
                try await store.recordExposures(batch)
            } catch {
                // The audit log keeps them; the report undercounts until they are replayed.
                logger.error("could not store \(batch.count) experiment exposures: \(String(reflecting: error))")
            }
        }
        for continuation in waiting { continuation.resume() }
    }
}
