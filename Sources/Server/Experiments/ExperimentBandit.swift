import Experiments
import Foundation
import Logging
import PushCompose
import ServiceLifecycle
import Storage

/// Adapts the weights of bandit-mode experiments by Thompson sampling over their stored
/// outcomes, once a minute. Each update is stored for its minute, first writer winning:
/// instances sharing a database all assign with the same weights, and the report shows
/// when the weights changed.
struct ExperimentBandit: Service {
    let templates: ActiveTemplateSet
    let state: ExperimentState
    let logger: Logger
    var interval: Duration = .seconds(60)
    var clock: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    func run() async throws {
        await loadStoredWeights()
        try? await cancelWhenGracefulShutdown {
            while true {
                await update()
                try await Task.sleep(for: interval)
            }
        }
    }

    private func banditExperiments() -> [TemplateExperiment] {
        templates.set.templates.compactMap(\.experiment).filter { $0.banditFloor != nil }
    }

    /// At start: the latest stored weights, so that a restart does not fall back to the
    /// declared ones for a minute.
    func loadStoredWeights() async {
        for experiment in banditExperiments() {
            if let latest = try? await state.store.weightHistory(experiment: experiment.name).last {
                state.setWeights(latest.weights, experiment: experiment.name)
            }
        }
    }

    /// One round: every running bandit experiment's weights for this minute.
    func update() async {
        let now = clock()
        let minute = (now / 60).rounded(.down) * 60
        for experiment in banditExperiments() where experiment.isRunning(at: now) {
            do {
                let counts = try await state.store.armCounts(experiment: experiment.name, since: nil)
                let weights = ThompsonSampling.weights(
                    counts: counts, variants: experiment.variants.map(\.name), floor: experiment.banditFloor ?? 0,
                    seed: Self.seed(experiment: experiment.name, minute: minute))
                let stored = try await state.store.saveWeights(WeightUpdate(experiment: experiment.name, time: minute, weights: weights))
                state.setWeights(stored.weights, experiment: experiment.name)
            } catch is CancellationError {
                return
            } catch {
                logger.error("bandit weights of experiment \(experiment.name) not updated: \(String(reflecting: error))")
            }
        }
    }

    /// The same on every instance: a bucket of the experiment and the minute.
    static func seed(experiment: String, minute: Double) -> UInt64 {
        UInt64(VariantAssignment.bucket(experiment: experiment, unit: String(Int64(minute)))) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(Int64(minute))
    }
}
