import Synchronization

/// Commits the items of concurrent callers in shared transactions, so that callers do
/// not wait on one commit each.
///
/// A caller that finds no commit under way commits its own items at once. Callers that
/// arrive while a commit is under way wait together; when it ends, the first of them
/// commits all of their items in one call of `commit`. Each caller is resumed with the
/// outputs of its own items when they are committed. If a shared commit fails, each
/// caller's items are committed alone, so one caller's bad item does not fail the others.
public final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    /// Commits items in one transaction; returns one output per item, in order.
    public typealias Commit = @Sendable ([Item]) async throws -> [Output]

    private struct Waiter {
        var items: [Item]
        var continuation: CheckedContinuation<Role, Never>
    }

    /// What a waiting caller is resumed with: its outputs, or the turn to commit.
    private enum Role {
        case done(Result<[Output], any Error>)
        case lead
    }

    private struct State {
        var committing = false
        var waiting: [Waiter] = []
    }

    private let commit: Commit
    private let state = Mutex(State())

    public init(commit: @escaping Commit) {
        self.commit = commit
    }

    /// Callers waiting for a commit (tests use it to know callers gathered).
    var waitingCallers: Int { state.withLock { $0.waiting.count } }

    /// Commits one caller's items; returns when they are committed.
    public func submit(_ items: [Item]) async throws -> [Output] {
        guard !items.isEmpty else { return [] }
        let leadsAtOnce = state.withLock { state in
            if state.committing { return false }
            state.committing = true
            return true
        }
        if leadsAtOnce {
            return try await lead(own: items, others: [])
        }
        // Checked again with the wait recorded in the same lock: the commit under way may
        // have ended since, and with nobody waiting its leader handed the turn to no one.
        let role = await withCheckedContinuation { continuation in
            let leadsNow = state.withLock { state in
                if state.committing {
                    state.waiting.append(Waiter(items: items, continuation: continuation))
                    return false
                }
                state.committing = true
                return true
            }
            if leadsNow { continuation.resume(returning: .lead) }
        }
        switch role {
        case .done(let result):
            return try result.get()
        case .lead:
            let others = state.withLock { state in
                defer { state.waiting = [] }
                return state.waiting
            }
            return try await lead(own: items, others: others)
        }
    }

    /// Commits the leader's items with the others', resumes the others, then hands the
    /// turn to the first caller that arrived meanwhile.
    private func lead(own: [Item], others: [Waiter]) async throws -> [Output] {
        let results = await commitBatches([own] + others.map(\.items))
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
        // The next leader commits its own items with those of every caller waiting then.
        next?.continuation.resume(returning: .lead)
        return try results[0].get()
    }

    private func commitBatches(_ batches: [[Item]]) async -> [Result<[Output], any Error>] {
        do {
            let all = try await commit(batches.flatMap { $0 })
            var results: [Result<[Output], any Error>] = []
            var start = 0
            for batch in batches {
                results.append(.success(Array(all[start..<start + batch.count])))
                start += batch.count
            }
            return results
        } catch {
            guard batches.count > 1 else { return [.failure(error)] }
            var results: [Result<[Output], any Error>] = []
            for batch in batches {
                do {
                    results.append(.success(try await commit(batch)))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }
}
