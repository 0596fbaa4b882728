import AsyncHTTPClient
import Delivery
import Foundation
import Logging
import Metrics
import PushCompose
import ServiceLifecycle

/// The service's own channel, assembled: devices and the queue (`ServiceStorage`), the
/// providers that are configured, the workers that send, and the events they leave in
/// the audit log and metrics.
final class CustomDelivery: Service {
    let devices: DeviceIndex
    let queue: any DeliveryQueue
    let signal: WorkSignal
    let clock: any DeliveryClock
    private let enqueuer: HookEnqueuer
    let workers: DeliveryWorkers
    let metrics: DeliveryMetrics
    let events: any DeliveryEventSink
    /// The providers that are configured: only their devices are routed to.
    let providers: Set<ProviderKind>
    private let providerByKind: [ProviderKind: any PushProvider]
    /// The smallest rendered-payload budget among them; nil without any.
    let payloadBudget: Int?
    let badgeResetOnClientOnline: Bool
    private let client: HTTPClient
    private let threads: DeliveryThreads

    init(
        configuration: DeliveryConfiguration, storage: ServiceStorage, secrets: AppSecrets?, audit: any AuditSink,
        metricsFactory: any MetricsFactory, logger: Logger
    ) throws {
        devices = DeviceIndex(store: storage.devices)
        queue = storage.queue
        signal = WorkSignal()
        clock = SystemDeliveryClock()
        threads = DeliveryThreads()
        client = HTTPClient.makeForDelivery(connectionsPerHost: configuration.concurrency, threads: threads)
        var providers: [any PushProvider] = []
        do {
            if let webhook = configuration.webhook() {
                providers.append(try WebhookProvider(configuration: webhook, client: client, clock: clock))
            }
            if let platform = try configuration.platform(secrets: secrets) {
                providers.append(try PlatformPushProvider(configuration: platform, client: client, clock: clock))
            }
            if let apns = try configuration.apns() {
                providers.append(try APNsProvider(configuration: apns, client: client, storeFor: .seconds(configuration.retryMaxAgeSeconds), clock: clock))
            }
            if let fcm = try configuration.fcm() {
                providers.append(try FCMProvider(configuration: fcm, client: client, clock: clock))
            }
        } catch {
            try? client.syncShutdown()
            threads.group.shutdownGracefully { _ in }
            throw error
        }
        self.providers = Set(providers.map(\.kind))
        providerByKind = Dictionary(uniqueKeysWithValues: providers.map { ($0.kind, $0) })
        payloadBudget = providers.map(\.payloadBudget).min()
        badgeResetOnClientOnline = configuration.badgeResetOnClientOnline
        metrics = DeliveryMetrics(factory: metricsFactory)
        events = DeliveryEventSinks([DeliveryAuditSink(audit: audit), metrics])
        enqueuer = HookEnqueuer(queue: queue, intake: storage.intake, clock: clock, signal: signal, events: events, logger: logger)
        workers = DeliveryWorkers(
            providers: providers, queue: queue, devices: devices, settings: configuration.workerSettings, signal: signal,
            clock: clock, events: events, threads: threads, logger: logger)
    }

    /// Enqueues the plan's custom pushes, one per receiver, each to the receiver's devices
    /// on the configured providers; returns when they are durable, with their push ids in
    /// the order of `plan.custom`.
    func enqueue(_ plan: HookPlan, conversation: String, call: String, devices: [String: [Device]]) async throws -> [String] {
        guard !plan.custom.isEmpty else { return [] }
        let pushes = try newPushes(plan, conversation: conversation, call: call, devices: devices)
        try await enqueuer.enqueue(pushes)
        return pushes.map(\.pushId)
    }

    /// What `enqueue` would queue for the plan, as each provider would send it, per
    /// receiver of `plan.custom`: `{"provider", "token", "request"}` per device, the
    /// badge being the receiver's counter as it is now plus one. Nothing is queued or
    /// counted.
    func preview(_ plan: HookPlan, conversation: String, call: String, devices: [String: [Device]]) async throws -> [String: [JSONValue]] {
        var previews: [String: [JSONValue]] = [:]
        let now = clock.now()
        for push in try newPushes(plan, conversation: conversation, call: call, devices: devices) {
            let badge = push.incrementsBadge ? try await queue.badge(of: push.receiver) + 1 : nil
            previews[push.receiver] = push.devices.map { address in
                let job = PushJob(
                    id: 0, pushId: push.pushId, hookCallId: call, receiver: push.receiver, conversation: conversation,
                    template: push.template, payload: push.payload, badge: badge, device: address, state: .ready, attempts: 1,
                    queuedAt: now, dueAt: now)
                return .object([
                    ("provider", .string(address.provider.rawValue)), ("token", .string(address.token)),
                    ("request", providerByKind[address.provider]?.preview(job) ?? .null),
                ])
            }
        }
        return previews
    }

    /// One push per receiver of `plan.custom`, to the receiver's devices on the
    /// configured providers.
    private func newPushes(_ plan: HookPlan, conversation: String, call: String, devices: [String: [Device]]) throws -> [NewPush] {
        var pushes: [NewPush] = []
        pushes.reserveCapacity(plan.custom.count)
        // One parse per group: receivers of a group share its payload.
        var payloads: [Int: JSONValue] = [:]
        for route in plan.custom {
            let group = plan.groups[route.group]
            let payload: JSONValue
            if let parsed = payloads[route.group] {
                payload = parsed
            } else {
                payload = try JSONParser.parse(group.payload)
                payloads[route.group] = payload
            }
            let addresses = (devices[route.receiver] ?? []).filter { providers.contains($0.provider) }.map(\.address)
            pushes.append(
                NewPush(
                    pushId: PushIdentifier.random(), hookCallId: call, receiver: route.receiver, conversation: conversation,
                    template: group.template, payload: payload, incrementsBadge: Self.countsTowardBadge(payload),
                    devices: addresses))
        }
        return pushes
    }

    /// The template's `badge: increment` renders `"badge": "Increment"`: such a push counts.
    static func countsTowardBadge(_ payload: JSONValue) -> Bool {
        guard case .object(let members) = payload else { return false }
        return members.contains { $0.key == "badge" && $0.value == .string("Increment") }
    }

    /// Sets the queue's gauges from its stats; before `/metrics` answers.
    func refreshQueueMetrics() async {
        guard let stats = try? await queue.stats(now: clock.now()) else { return }
        metrics.update(with: stats, now: clock.now())
    }

    /// Runs the workers, and the intake's admission where there is one, until graceful
    /// shutdown; then closes the providers' connections.
    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            if let admission = enqueuer.admission {
                group.addTask { try await withTaskExecutorPreference(self.threads) { try await admission.run() } }
            }
            group.addTask { try await self.workers.run() }
        }
        try? await client.shutdown()
        try? await threads.shutdown()
    }

    /// A server that was built but never run (a command, a test) closes them here.
    deinit {
        client.shutdown { [threads] _ in threads.group.shutdownGracefully { _ in } }
    }
}
