import Synchronization

/// Enqueues the pushes of concurrent hook calls in shared transactions (group commit),
/// so calls do not wait on one commit each.
///
/// A caller that finds no commit under way commits its own pushes at once. Callers that
/// arrive while a commit is under way wait together; when it ends, the first of them
/// commits all of their pushes in one transaction. Each caller is resumed with its own
/// results when its pushes are committed. If a shared transaction fails, each caller's
/// pushes are committed alone, so one caller's bad push does not fail the others.
public final class GroupCommitEnqueuer: Sendable {
    private struct Waiter {
        var pushes: [NewPush]
        var continuation: CheckedContinuation<Role, Never>
    }

    /// What a waiting caller is resumed with: its results, or the turn to commit.
    private enum Role {
        case done(Result<[EnqueuedPush], any Error>)
        case lead
    }

    private struct State {
        var committing = false
        var waiting: [Waiter] = []
    }

    private let queue: any DeliveryQueue
    private let clock: any DeliveryClock
    private let signal: WorkSignal
    private let events: any DeliveryEventSink
    private let state = Mutex(State())

    public init(queue: any DeliveryQueue, clock: any DeliveryClock, signal: WorkSignal, events: any DeliveryEventSink) {
        self.queue = queue
        self.clock = clock
        self.signal = signal
        self.events = events
    }

    /// Callers waiting for a commit (tests use it to know callers gathered).
    var waitingCallers: Int { state.withLock { $0.waiting.count } }

    /// Enqueues one hook call's pushes; returns when they are committed.
    public func enqueue(_ pushes: [NewPush]) async throws -> [EnqueuedPush] {
        guard !pushes.isEmpty else { return [] }
        let leadsAtOnce = state.withLock { state in
            if state.committing { return false }
            state.committing = true
            return true
        }
        if leadsAtOnce {
            return try await commit(own: pushes, others: [])
        }
        let role = await withCheckedContinuation { continuation in
            state.withLock { $0.waiting.append(Waiter(pushes: pushes, continuation: continuation)) }
        }
        switch role {
        case .done(let result):
            return try result.get()
        case .lead:
            let others = state.withLock { state in
                defer { state.waiting = [] }
                return state.waiting
            }
            return try await commit(own: pushes, others: others)
        }
    }

    /// Commits the leader's pushes with the others', resumes the others, then hands the
    /// turn to the first caller that arrived meanwhile.
    private func commit(own: [NewPush], others: [Waiter]) async throws -> [EnqueuedPush] {
        let batches = [own] + others.map(\.pushes)
        let results = await commitBatches(batches)
        for (waiter, result) in zip(others, results.dropFirst()) {
            waiter.continuation.resume(returning: .done(result))
        }
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.committing = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        // The next leader commits its own pushes with those of every caller waiting then.
        next?.continuation.resume(returning: .lead)
        return try results[0].get()
    }

    private func commitBatches(_ batches: [[NewPush]]) async -> [Result<[EnqueuedPush], any Error>] {
        do {
            let all = try await queue.enqueue(batches.flatMap { $0 }, now: clock.now())
            var results: [Result<[EnqueuedPush], any Error>] = []
            var start = 0
            for batch in batches {
                results.append(.success(Array(all[start..<start + batch.count])))
                start += batch.count
            }
            await committed(zip(batches.flatMap { $0 }, all))
            return results
        } catch {
            guard batches.count > 1 else { return [.failure(error)] }
            var results: [Result<[EnqueuedPush], any Error>] = []
            for batch in batches {
                do {
                    let enqueued = try await queue.enqueue(batch, now: clock.now())
                    await committed(zip(batch, enqueued))
                    results.append(.success(enqueued))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    /// Wakes the providers' workers and records one `queued` event per job.
    private func committed(_ pushes: Zip2Sequence<[NewPush], [EnqueuedPush]>) async {
        var providers: Set<ProviderKind> = []
        for (push, _) in pushes { providers.formUnion(push.devices.map(\.provider)) }
        for provider in providers { signal.notify(provider) }
        let now = clock.now()
        for (push, enqueued) in pushes {
            for (device, jobId) in zip(push.devices, enqueued.jobIds) {
                await events.record(
                    DeliveryEvent(
                        time: now, kind: .queued(badge: enqueued.badge), jobId: jobId, pushId: push.pushId,
                        hookCallId: push.hookCallId, receiver: push.receiver, provider: device.provider, token: device.token))
            }
        }
    }
}
