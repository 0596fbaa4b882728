import Delivery
import Logging
import ServiceLifecycle
import Storage

/// Applies what the other instances sharing the database announce: their changes to
/// the directory, mutes and devices are read back into memory, a template reload is
/// repeated here, and queued work wakes this instance's workers. After the feed lost
/// its connection, everything is reloaded, since announcements were missed.
struct ClusterSync: Service {
    let feed: any ClusterFeed
    let registry: Registry
    let devices: DeviceIndex
    let templates: ActiveTemplateSet
    let experiments: ExperimentState
    let signal: WorkSignal
    let metrics: ServiceMetrics
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await feed.listen { event in await apply(event) }
        }
    }

    func apply(_ event: ClusterEvent) async {
        do {
            switch event {
            case .work(let provider):
                signal.notify(provider)
            case .changed(.devices(let client)):
                try await devices.refresh(client: client)
            case .changed(.templates):
                do {
                    let set = try await templates.reload()
                    logger.info("templates reloaded as another instance asked: \(set.digest)")
                } catch {
                    metrics.templateReloadFailed()
                    logger.error("template reload asked by another instance refused, the previous set stays in use:\n\(error.description)")
                }
            case .changed(.experimentOverride(let experiment, _)):
                try await experiments.refreshOverride(experiment: experiment)
            case .changed(let change):
                try await registry.refresh(change)
            case .resynchronize:
                try await registry.reloadAll()
                try await experiments.reloadOverrides()
                try await devices.reload()
                signal.notifyAll()
            }
        } catch {
            logger.error("could not apply another instance's change \(event): \(String(reflecting: error))")
        }
    }
}
