import Logging
import ServiceLifecycle
import Synchronization

/// The hook's path to a queue with a `PushIntake`: concurrent calls' pushes are accepted
/// in shared commits (`GroupCommit`), each call answered when its record is durable; a
/// loop (`run`) admits the records into the queue behind them, then records the `queued`
/// events and wakes the providers' workers, as `GroupCommitEnqueuer` does after its commit.
public final class IntakeEnqueuer: Service {
    /// Pushes admitted in one transaction, about: a backlog (calls that came together, a
    /// restart) is taken in steps of about 1 ms on SQLite's one writer, so hook calls'
    /// accepts get it in between instead of waiting for the whole backlog.
    static let pushesPerAdmission = 100
    /// How long the loop waits after a failed admission before it tries again.
    static let retryDelay = Duration.seconds(1)

    private let intake: any PushIntake
    private let group: GroupCommit<NewPush, Void>
    private let accepted: Wakeup
    private let stopping = Atomic(false)
    private let clock: any DeliveryClock
    private let signal: WorkSignal
    private let events: any DeliveryEventSink
    private let logger: Logger

    public init(intake: any PushIntake, clock: any DeliveryClock, signal: WorkSignal, events: any DeliveryEventSink, logger: Logger) {
        self.intake = intake
        self.clock = clock
        self.signal = signal
        self.events = events
        self.logger = logger
        let accepted = Wakeup()
        self.accepted = accepted
        group = GroupCommit { pushes in
            try await intake.accept(pushes, now: clock.now())
            accepted.signal()
            return Array(repeating: (), count: pushes.count)
        }
    }

    /// Stores one hook call's pushes; returns when they are durable. Their jobs, badges
    /// and `queued` events follow when `run` admits them.
    public func enqueue(_ pushes: [NewPush]) async throws {
        _ = try await group.submit(pushes)
    }

    /// Admits what was accepted, at once (records a stopped process left) and after each
    /// accept, until graceful shutdown; then admits what is left once more and returns.
    public func run() async throws {
        await withGracefulShutdownHandler {
            while true {
                let generation = accepted.generation
                let stop = stopping.load(ordering: .acquiring)
                let admittedAll = await admitAll()
                if stop || Task.isCancelled { return }
                if admittedAll {
                    // Not a poll: each accept signals. The timeout is a backstop only.
                    await accepted.wait(since: generation, timeout: .seconds(60))
                } else {
                    try? await Task.sleep(for: Self.retryDelay)
                }
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .releasing)
            self.accepted.signal()
        }
    }

    /// Admits until no record waits; false when an admission failed (logged).
    private func admitAll() async -> Bool {
        do {
            while true {
                let admitted = try await intake.admit(upTo: Self.pushesPerAdmission)
                if admitted.isEmpty { return true }
                for record in admitted {
                    QueuedAnnouncement.announce(record.pushes, record.enqueued, clock: clock, signal: signal, events: events)
                }
            }
        } catch {
            logger.error("admitting accepted pushes into the queue failed; trying again", metadata: ["error": "\(error)"])
            return false
        }
    }
}
