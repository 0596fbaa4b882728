import Logging
import ServiceLifecycle

/// The delivery workers, as a ServiceLifecycle service: one loop per provider kind.
/// Kinds without a configured provider get `UnconfiguredProvider`, which dead-letters
/// their jobs with that reason.
///
/// Graceful shutdown stops claiming, lets attempts in flight finish within
/// `shutdownDeadline`, and gives back the jobs it holds; the rest stay queued.
public final class DeliveryWorkers: Service {
    /// How often the instance reports itself alive to the queue (`queue stats`).
    public static let heartbeatInterval = Duration.seconds(5)

    private let workers: [ProviderWorker]
    private let queue: any DeliveryQueue
    private let clock: any DeliveryClock
    /// Attempts in flight at most, every configured provider together.
    private let capacity: Int
    /// Where the workers' tasks run; nil: where `run` is called.
    private let threads: DeliveryThreads?

    public init(
        providers: [any PushProvider], queue: any DeliveryQueue, devices: any DeviceStore, settings: WorkerSettings = WorkerSettings(),
        signal: WorkSignal, clock: any DeliveryClock = SystemDeliveryClock(), events: any DeliveryEventSink, threads: DeliveryThreads? = nil,
        logger: Logger
    ) {
        self.threads = threads
        var byKind: [ProviderKind: any PushProvider] = [:]
        for provider in providers { byKind[provider.kind] = provider }
        self.queue = queue
        self.clock = clock
        capacity = byKind.keys.reduce(0) { $0 + settings.concurrency(of: $1) }
        workers = ProviderKind.allCases.map { kind in
            ProviderWorker(
                provider: byKind[kind] ?? UnconfiguredProvider(kind: kind), queue: queue, devices: devices,
                settings: byKind[kind] == nil ? Self.unconfiguredSettings(settings) : settings,
                signal: signal, clock: clock, events: events, logger: logger)
        }
    }

    /// An unconfigured provider's loop needs one slot: it only dead-letters.
    private static func unconfiguredSettings(_ settings: WorkerSettings) -> WorkerSettings {
        var settings = settings
        settings.concurrency = 1
        settings.concurrencyByProvider = [:]
        return settings
    }

    public func run() async throws {
        await withTaskExecutorPreference(threads) { await runWorkers() }
    }

    private func runWorkers() async {
        let heartbeat = Task { [queue, clock, capacity] in
            while !Task.isCancelled {
                try? await queue.heartbeat(workers: capacity, now: clock.now())
                try? await Task.sleep(for: Self.heartbeatInterval)
            }
        }
        defer { heartbeat.cancel() }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for worker in workers {
                    group.addTask { await worker.run() }
                }
            }
        } onGracefulShutdown: {
            for worker in self.workers { worker.stop() }
        }
    }
}
