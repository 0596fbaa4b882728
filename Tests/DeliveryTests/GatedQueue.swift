import Delivery
import Foundation
import Synchronization

/// A real driver's queue behind a gate: the first `enqueue` is held until the test
/// opens the gate (so the test knows other callers arrived during a commit), every
/// `enqueue` is counted, and a batch holding `refusingReceiver` fails as a database
/// error would. Everything else goes straight to the driver.
final class GatedQueue: DeliveryQueue {
    private struct State {
        var calls = 0
        var held: CheckedContinuation<Void, Never>?
        var opened = false
    }

    struct Refused: Error {}

    private let base: any DeliveryQueue
    private let refusingReceiver: String?
    private let state = Mutex(State())
    private let awaiter = Awaiter()

    init(_ base: any DeliveryQueue, refusingReceiver: String? = nil) {
        self.base = base
        self.refusingReceiver = refusingReceiver
    }

    var calls: Int { state.withLock { $0.calls } }

    /// Returns once the first `enqueue` is being held.
    func waitUntilHeld() async -> Bool {
        await awaiter.wait { self.state.withLock { $0.held != nil || $0.opened } }
    }

    func open() {
        let held = state.withLock { state in
            state.opened = true
            defer { state.held = nil }
            return state.held
        }
        held?.resume()
    }

    func enqueue(_ pushes: [NewPush], now: Date) async throws -> [EnqueuedPush] {
        let first = state.withLock { state in
            state.calls += 1
            return state.calls == 1 && !state.opened
        }
        if first {
            await withCheckedContinuation { continuation in
                let openedAlready = state.withLock { state -> Bool in
                    // Opened between the count and here: nobody would resume it.
                    if state.opened { return true }
                    state.held = continuation
                    return false
                }
                if openedAlready { continuation.resume() }
                awaiter.changed()
            }
        }
        if let refusingReceiver, pushes.contains(where: { $0.receiver == refusingReceiver }) { throw Refused() }
        return try await base.enqueue(pushes, now: now)
    }

    func claim(provider: ProviderKind, limit: Int, leaseDuration: Duration, now: Date) async throws -> [PushJob] {
        try await base.claim(provider: provider, limit: limit, leaseDuration: leaseDuration, now: now)
    }
    func nextDueTime(provider: ProviderKind) async throws -> Date? { try await base.nextDueTime(provider: provider) }
    func finish(_ jobs: [(lease: JobLease, finish: JobFinish)]) async throws -> [Bool] { try await base.finish(jobs) }
    func retry(_ lease: JobLease, at: Date, status: Int?, reason: String) async throws -> Bool {
        try await base.retry(lease, at: at, status: status, reason: reason)
    }
    func deadLetter(_ lease: JobLease, status: Int?, reason: String, now: Date) async throws -> Bool {
        try await base.deadLetter(lease, status: status, reason: reason, now: now)
    }
    func release(_ lease: JobLease, countAttempt: Bool, now: Date) async throws -> Bool {
        try await base.release(lease, countAttempt: countAttempt, now: now)
    }
    func jobs(matching filter: JobFilter, afterId: Int64?, limit: Int) async throws -> [PushJob] {
        try await base.jobs(matching: filter, afterId: afterId, limit: limit)
    }
    func job(id: Int64) async throws -> PushJob? { try await base.job(id: id) }
    func retryDead(id: Int64, now: Date) async throws -> Bool { try await base.retryDead(id: id, now: now) }
    func retryAllDead(provider: ProviderKind?, now: Date) async throws -> Int { try await base.retryAllDead(provider: provider, now: now) }
    func purgeDead(olderThan: Date?) async throws -> Int { try await base.purgeDead(olderThan: olderThan) }
    func stats(now: Date) async throws -> QueueStats { try await base.stats(now: now) }
    func heartbeat(workers: Int, now: Date) async throws { try await base.heartbeat(workers: workers, now: now) }
    func badge(of clientId: String) async throws -> Int { try await base.badge(of: clientId) }
    func resetBadge(of clientId: String) async throws { try await base.resetBadge(of: clientId) }
}
