import Foundation
import Logging
import Synchronization

/// One provider's loop: claims due jobs up to its concurrency, sends each through the
/// provider, and records the outcome. Each provider has its own, so a provider that
/// fails or hangs never holds another's jobs or slots.
final class ProviderWorker: Sendable {
    private let provider: any PushProvider
    private let queue: any DeliveryQueue
    private let devices: any DeviceStore
    private let settings: WorkerSettings
    private let concurrency: Int
    /// The fewest free slots worth a claim while attempts are in flight.
    private let claimBatch: Int
    private let work: Wakeup
    private let clock: any DeliveryClock
    private let events: any DeliveryEventSink
    private let logger: Logger
    /// Signalled when a slot frees and when the worker is told to stop.
    private let nudge = Wakeup()
    /// Jobs being sent (at most `concurrency`), and jobs whose answer is being recorded.
    /// A slot frees when the provider answers: the recording (a queue update, audit
    /// events) goes on beside the next sends instead of holding the provider's slot.
    private let inFlight = Mutex((sending: 0, recording: 0))
    /// Finishes the jobs of concurrent attempts in shared transactions.
    private let finisher: GroupCommit<(lease: JobLease, finish: JobFinish), Bool>
    private let stopping = Mutex(false)

    init(
        provider: any PushProvider, queue: any DeliveryQueue, devices: any DeviceStore, settings: WorkerSettings,
        signal: WorkSignal, clock: any DeliveryClock, events: any DeliveryEventSink, logger: Logger
    ) {
        self.provider = provider
        self.queue = queue
        self.devices = devices
        self.settings = settings
        concurrency = settings.concurrency(of: provider.kind)
        claimBatch = max(1, concurrency / 4)
        work = signal.wakeup(provider.kind)
        self.clock = clock
        self.events = events
        self.logger = logger
        finisher = GroupCommit { [queue] jobs in try await queue.finish(jobs) }
    }

    private func finish(_ lease: JobLease, as finish: JobFinish) async throws -> Bool {
        try await finisher.submit([(lease: lease, finish: finish)])[0]
    }

    /// Stops claiming; attempts in flight get `shutdownDeadline` to finish.
    func stop() {
        stopping.withLock { $0 = true }
        nudge.signal()
    }

    private var shouldStop: Bool { stopping.withLock { $0 } || Task.isCancelled }

    /// Jobs being sent or recorded: what a stop waits for.
    private var unfinished: Int { inFlight.withLock { $0.sending + $0.recording } }

    func run() async {
        await withDiscardingTaskGroup { group in
            while !shouldStop {
                let workGeneration = work.generation
                let nudgeGeneration = nudge.generation
                let (sending, recording) = inFlight.withLock { $0 }
                let busy = sending + recording
                // Recordings pile up no further than one more set of slots.
                let free = min(concurrency - sending, 2 * concurrency - busy)
                // Claims wait for a quarter of the slots to free (or for an idle worker):
                // fewer, larger claim transactions on the queue's writer, for up to a
                // quarter of the slots idle between claims (not measured either way).
                guard free >= claimBatch || (busy == 0 && free > 0) else {
                    await nudge.wait(since: nudgeGeneration, timeout: settings.idlePoll)
                    continue
                }
                let jobs: [PushJob]
                do {
                    jobs = try await queue.claim(provider: provider.kind, limit: free, leaseDuration: settings.leaseDuration, now: clock.now())
                } catch {
                    logger.error("claiming \(provider.kind.rawValue) jobs failed: \(error)")
                    await Wakeup.waitForAny([(work, workGeneration), (nudge, nudgeGeneration)], timeout: settings.idlePoll)
                    continue
                }
                if shouldStop {
                    await giveBack(jobs)
                    break
                }
                inFlight.withLock { $0.sending += jobs.count }
                for job in jobs {
                    group.addTask {
                        let recordAnswer = await self.attempt(job)
                        self.inFlight.withLock {
                            $0.sending -= 1
                            $0.recording += 1
                        }
                        self.nudge.signal()
                        await recordAnswer()
                        self.inFlight.withLock { $0.recording -= 1 }
                        self.nudge.signal()
                    }
                }
                if jobs.count == free { continue }
                await Wakeup.waitForAny([(work, workGeneration), (nudge, nudgeGeneration)], timeout: await idleWait())
            }
            await drain()
            group.cancelAll()
        }
    }

    /// Until the provider's next job falls due, at most `idlePoll`.
    private func idleWait() async -> Duration {
        guard let next = try? await queue.nextDueTime(provider: provider.kind) else { return settings.idlePoll }
        let milliseconds = Int64((next.timeIntervalSince(clock.now()) * 1000).rounded(.up))
        return min(settings.idlePoll, .milliseconds(max(0, milliseconds)))
    }

    /// Waits for attempts in flight, at most `shutdownDeadline`.
    private func drain() async {
        let deadline = ContinuousClock.now + settings.shutdownDeadline
        while unfinished > 0, !Task.isCancelled {
            let generation = nudge.generation
            guard unfinished > 0 else { break }
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { break }
            await nudge.wait(since: generation, timeout: left)
        }
    }

    private func giveBack(_ jobs: [PushJob]) async {
        for job in jobs {
            guard let lease = job.lease else { continue }
            _ = try? await outsideCancellation { try await self.queue.release(lease, countAttempt: false, now: self.clock.now()) }
        }
    }

    /// Sends the job (unless its retries are spent) and returns how to record the answer,
    /// which the caller runs once the job's slot is freed.
    private func attempt(_ job: PushJob) async -> @Sendable () async -> Void {
        guard let lease = job.lease else { return {} }
        if let reason = settings.retry.exhausted(attempts: job.attempts, queuedAt: job.queuedAt, now: clock.now()) {
            return { await self.record { try await self.deadLetter(job, lease, status: job.lastStatus, reason: reason) } }
        }
        let started = ContinuousClock.now
        let outcome = await provider.send(job)
        let duration = started.duration(to: .now)
        if Task.isCancelled, case .retry = outcome {
            // Cut off by the shutdown deadline: the job goes back to be sent again at once.
            return { _ = try? await self.outsideCancellation { try await self.queue.release(lease, countAttempt: true, now: self.clock.now()) } }
        }
        return { await self.record { try await self.recordOutcome(outcome, of: job, lease, duration: duration) } }
    }

    /// Runs a queue update even when the attempt's task was cancelled (the shutdown
    /// deadline): an answer already received must still be recorded.
    private func record(_ update: @escaping @Sendable () async throws -> Void) async {
        do {
            try await outsideCancellation(update)
        } catch {
            // The lease runs out and the job is claimed again: at least once, never lost.
            logger.error("recording a \(provider.kind.rawValue) attempt failed: \(error)")
        }
    }

    private func outsideCancellation<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard Task.isCancelled else { return try await body() }
        return try await Task { try await body() }.value
    }

    private func recordOutcome(_ outcome: DeliveryOutcome, of job: PushJob, _ lease: JobLease, duration: Duration) async throws {
        let now = clock.now()
        switch outcome {
        case .delivered:
            let held = try await finish(lease, as: .delivered)
            await emit([.attempt(.init(number: job.attempts, outcome: outcome, duration: duration, nextAttemptAt: nil)), held ? .delivered : .leaseLost], job, now)
        case .retry(let status, let reason, let retryAfter):
            var random = SystemRandomNumberGenerator()
            switch settings.retry.decide(attempts: job.attempts, queuedAt: job.queuedAt, now: now, retryAfter: retryAfter, reason: reason, using: &random) {
            case .retry(let at):
                let held = try await queue.retry(lease, at: at, status: status, reason: reason)
                let attempt = DeliveryEvent.Kind.attempt(.init(number: job.attempts, outcome: outcome, duration: duration, nextAttemptAt: held ? at : nil))
                await emit(held ? [attempt] : [attempt, .leaseLost], job, now)
            case .giveUp(let finalReason):
                await emit(.attempt(.init(number: job.attempts, outcome: outcome, duration: duration, nextAttemptAt: nil)), job, now)
                try await deadLetter(job, lease, status: status, reason: finalReason)
            }
        case .deviceGone(_, let reason):
            await emit(.attempt(.init(number: job.attempts, outcome: outcome, duration: duration, nextAttemptAt: nil)), job, now)
            if try await devices.remove(provider: job.device.provider, token: job.device.token) != nil {
                await emit(.deviceRemoved(reason: reason), job, now)
            }
            if try await !finish(lease, as: .deviceGone) { await emit(.leaseLost, job, now) }
        case .failedPermanently(let status, let reason):
            await emit(.attempt(.init(number: job.attempts, outcome: outcome, duration: duration, nextAttemptAt: nil)), job, now)
            try await deadLetter(job, lease, status: status, reason: reason)
        }
    }

    private func deadLetter(_ job: PushJob, _ lease: JobLease, status: Int?, reason: String) async throws {
        let now = clock.now()
        let held = try await queue.deadLetter(lease, status: status, reason: reason, now: now)
        await emit(held ? .dead(reason: reason) : .leaseLost, job, now)
    }

    private func emit(_ kind: DeliveryEvent.Kind, _ job: PushJob, _ time: Date) async {
        await emit([kind], job, time)
    }

    /// One job's events of one moment, recorded together.
    private func emit(_ kinds: [DeliveryEvent.Kind], _ job: PushJob, _ time: Date) async {
        await events.record(kinds.map { DeliveryEvent($0, job: job, time: time) })
    }
}
