import Experiments
import PushCompose
import Storage
import Synchronization

/// What the composer reads of experiments besides the templates: per-unit overrides and
/// bandits' current weights, kept in memory for the hook's path and written through to
/// the experiment store. With instances sharing the store, an override another instance
/// set is read back when announced (`refresh`), and every instance reads a bandit's
/// weights from the store (`ExperimentBandit`).
final class ExperimentState: ExperimentLookup {
    private struct State {
        /// experiment → unit → variant.
        var overrides: [String: [String: String]] = [:]
        var weights: [String: [String: Double]] = [:]
    }

    let store: any ExperimentStore
    private let state = Mutex(State())
    /// Orders a write to the store with the matching update in memory.
    private let writer = SerialAsyncLock()

    init(store: any ExperimentStore) async throws {
        self.store = store
        try await reloadOverrides()
    }

    func override(experiment: String, unit: String) -> String? {
        state.withLock { $0.overrides[experiment]?[unit] }
    }

    func hasOverrides(experiment: String) -> Bool {
        state.withLock { !($0.overrides[experiment]?.isEmpty ?? true) }
    }

    func adaptiveWeights(experiment: String) -> [String: Double]? {
        state.withLock { $0.weights[experiment] }
    }

    func setOverride(_ override: ExperimentOverride) async throws {
        try await writer.withLock {
            try await store.setOverride(override)
            state.withLock { $0.overrides[override.experiment, default: [:]][override.unit] = override.variant }
        }
    }

    func removeOverride(experiment: String, unit: String) async throws -> Bool {
        try await writer.withLock {
            let removed = try await store.removeOverride(experiment: experiment, unit: unit)
            state.withLock { _ = $0.overrides[experiment]?.removeValue(forKey: unit) }
            return removed
        }
    }

    /// Reads back an override another instance set or removed.
    func refreshOverride(experiment: String) async throws {
        try await writer.withLock {
            let current = try await store.overrides(experiment: experiment)
            state.withLock { $0.overrides[experiment] = Self.byUnit(current)[experiment] ?? [:] }
        }
    }

    func reloadOverrides() async throws {
        try await writer.withLock {
            let all = try await store.overrides(experiment: nil)
            state.withLock { $0.overrides = Self.byUnit(all) }
        }
    }

    func setWeights(_ weights: [String: Double]?, experiment: String) {
        state.withLock { $0.weights[experiment] = weights }
    }

    private static func byUnit(_ overrides: [ExperimentOverride]) -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for override in overrides { result[override.experiment, default: [:]][override.unit] = override.variant }
        return result
    }
}
