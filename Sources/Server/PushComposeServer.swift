import AuditLog
import Foundation
import Hummingbird
import Logging
import NIOCore
import PushCompose
import ServiceLifecycle
import Templates
import UnixSignals

/// Builds the running service from a configuration: storage, templates, audit, routes.
struct PushComposeServer {
    let configuration: ServerConfiguration
    let service: HookService
    let audit: JSONLinesAuditLog
    let metrics: ServiceMetrics
    let storage: ServiceStorage
    let secured: Bool
    let logger: Logger
    /// The admin token, and the dashboard sessions signed with it.
    let adminAccess: AdminAccess
    let dashboardAssets: DashboardAssets
    /// The last hour of counters, for the dashboard's overview.
    let history: MetricsHistory

    /// Opens the storage (migrating a PostgreSQL database), loads the templates and
    /// what the store holds; a failure after the storage opened closes it again.
    init(configuration: ServerConfiguration, logger: Logger) async throws {
        self.configuration = configuration
        self.logger = logger
        secured = try configuration.secrets() != nil
        try configuration.checkAdminToken()
        adminAccess = AdminAccess(token: configuration.adminToken)
        dashboardAssets = try DashboardAssets.load()
        metrics = ServiceMetrics()
        let templates = try ActiveTemplateSet(directory: URL(fileURLWithPath: configuration.templates), options: configuration.composerOptions)
        let data = URL(fileURLWithPath: configuration.data)
        let storage = try await ServiceStorage.open(configuration, logger: logger)
        self.storage = storage
        do {
            let registry = try await Registry(store: storage.state)
            audit = try JSONLinesAuditLog(
                directory: data.appendingPathComponent("audit"),
                // Instances sharing a database write a stream each; one instance needs no name.
                stream: configuration.database == nil ? "" : AuditFileName.stream(instanceId: storage.instanceId),
                maxFileBytes: configuration.auditMaxFileBytes, fsyncInterval: .milliseconds(configuration.auditFsyncMillis),
                chain: try Self.auditChain(configuration, data: data, logger: logger), maxQueuedRecords: configuration.auditQueueRecords,
                retention: configuration.auditRetention, metrics: AuditMetrics(factory: metrics.factory), logger: logger)
            let auditText = try AuditTextPolicy(mode: configuration.auditText, configuredKey: configuration.auditKey, data: data)
            let delivery = try CustomDelivery(
                configuration: configuration.delivery, storage: storage, secrets: try configuration.secrets(), audit: audit,
                metricsFactory: metrics.factory, logger: logger)
            var settings = configuration.hookSettings(auditText: auditText)
            settings.composer.customPayloadBytes = delivery.payloadBudget
            let experiments = try await ExperimentState(store: storage.experiments)
            service = HookService(
                templates: templates, registry: registry, delivery: delivery, experiments: experiments,
                exposures: ExposureRecorder(store: storage.experiments, logger: logger), audit: audit, metrics: metrics,
                settings: settings)
        } catch {
            await storage.close()
            throw error
        }
        history = MetricsHistory(take: Self.snapshot(metrics: metrics, service: service))
    }

    /// Reads the counters as `/metrics` shows them, the gauges refreshed first.
    private static func snapshot(metrics: ServiceMetrics, service: HookService) -> @Sendable () async -> MetricsSnapshot {
        {
            await refreshGauges(metrics: metrics, service: service)
            return MetricsSnapshot(
                exposition: metrics.exposition(), time: Date().timeIntervalSince1970, queueOn: !service.delivery.providers.isEmpty)
        }
    }

    /// The gauges read from the stores: the queue's depths, the exposures not yet counted.
    private static func refreshGauges(metrics: ServiceMetrics, service: HookService) async {
        await service.delivery.refreshQueueMetrics()
        metrics.uncountedExposures(service.experiments.store.uncountedReceivers)
    }

    /// The audit log's chain, keyed with the configured audit key, else the one generated
    /// in the data directory, which the log says: whoever can rewrite the audit files can
    /// likely read that one too, and could then reseal what they changed.
    static func auditChain(_ configuration: ServerConfiguration, data: URL, logger: Logger) throws -> AuditChain? {
        guard configuration.auditChain else { return nil }
        if configuration.auditKey.isEmpty {
            logger.notice(
                "audit log: hash chain keyed with the generated \(data.appendingPathComponent(AuditHashKey.fileName).path); configure auditKey (PUSHCOMPOSE_AUDIT_KEY) and keep it away from the audit files, so that whoever can rewrite them cannot reseal them"
            )
        }
        return AuditChain(auditKey: try AuditHashKey.resolve(configured: configuration.auditKey, data: data))
    }

    /// `/healthz`: up, and which instance serves which template set (a digest of its
    /// files), so that instances serving different files are seen.
    private func health() -> Response {
        var body = JSONObjectWriter()
        body.member("status", "ok")
        body.member("instance", storage.instanceId)
        body.member("templates", service.templates.set.digest)
        return JSONResponse.make(body: String(decoding: body.finish(), as: UTF8.self))
    }

    /// The hook listener's routes: the functions and `/healthz`, and, unless the admin API
    /// has a listener of its own, the admin API and `/metrics` too.
    func makeRouter() throws -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware(metrics: metrics))
        let authenticator = RequestAuthenticator(secrets: try configuration.secrets(), signatureWindowSeconds: configuration.signatureWindowSeconds)
        FunctionRoutes(service: service, authenticator: authenticator, maxBodyBytes: configuration.maxBodyBytes)
            .register(on: router)
        router.get("/healthz") { [self] _, _ in health() }
        if configuration.adminPort == nil { addAdminRoutes(to: router) }
        return router
    }

    /// The admin listener's routes: the admin API, `/metrics` and `/healthz`.
    func makeAdminRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware(metrics: metrics))
        router.get("/healthz") { [self] _, _ in health() }
        addAdminRoutes(to: router)
        return router
    }

    private func addAdminRoutes(to router: Router<BasicRequestContext>) {
        AdminRoutes(service: service, feed: storage.feed, access: adminAccess, maxBodyBytes: configuration.maxBodyBytes, metrics: metrics)
            .register(on: router)
        DeliveryAdminRoutes(delivery: service.delivery, access: adminAccess, audit: audit, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        AuditRoutes(audit: audit, access: adminAccess, verification: AuditVerification()).register(on: router)
        ExperimentRoutes(
            templates: service.templates, experiments: service.experiments, exposures: service.exposures,
            access: adminAccess, eventsToken: configuration.eventsToken, maxBodyBytes: configuration.maxBodyBytes,
            metrics: metrics
        ).register(on: router)
        DashboardRoutes(assets: dashboardAssets, access: adminAccess, history: history, instance: storage.instanceId).register(on: router)
        router.get("/metrics") { [metrics, service] _, _ in
            await Self.refreshGauges(metrics: metrics, service: service)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }

    /// The application, with the audit writer, the SIGHUP reloader and the admin listener (when
    /// it has one of its own) as its services. Each listener has its own connection limits.
    func makeApplication(
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in },
        onAdminServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let host = try configuration.bindHost(secured: secured)
        let adminHost = try configuration.adminBindHost(secured: secured)
        let limits = configuration.connectionLimits(listeners: adminHost == nil ? 1 : 2, openFiles: OpenFileLimit.current)
        logger.info("instance \(storage.instanceId) on \(storage.location)")
        if limits.maxConnections < configuration.maxConnections {
            logger.warning("maxConnections lowered from \(configuration.maxConnections) to \(limits.maxConnections) per listener: the open-files limit is \(OpenFileLimit.current)")
        }
        var clusterSync: [any Service] = []
        if let feed = storage.feed {
            clusterSync.append(ClusterSync(
                feed: feed, registry: service.registry, devices: service.delivery.devices, templates: service.templates,
                experiments: service.experiments, signal: service.delivery.signal, metrics: metrics, logger: logger))
        }
        var listeners: [any Service] = []
        if let adminHost, let adminPort = configuration.adminPort {
            listeners.append(Application(
                router: makeAdminRouter(), server: .guardedHTTP1(ConnectionGuard(limits: limits, logger: logger)),
                configuration: .init(address: .hostname(adminHost, port: adminPort), serverName: nil),
                onServerRunning: onAdminServerRunning, logger: logger))
        }
        return Application(
            router: try makeRouter(),
            server: .guardedHTTP1(ConnectionGuard(limits: limits, logger: logger)),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: nil),
            // Stopped in reverse: listeners first, then the workers (whose events the audit
            // log still takes), the audit log last.
            services: [
                audit, service.exposures, service.delivery, history,
                TemplateReloadOnSignal(templates: service.templates, metrics: metrics, logger: logger),
                ExperimentBandit(templates: service.templates, state: service.experiments, logger: logger),
            ] + clusterSync + listeners,
            onServerRunning: onServerRunning,
            logger: logger)
    }
}

/// Reloads the templates on SIGHUP; a set that fails lint is refused and logged.
struct TemplateReloadOnSignal: Service {
    let templates: ActiveTemplateSet
    let metrics: ServiceMetrics
    let logger: Logger

    init(templates: ActiveTemplateSet, metrics: ServiceMetrics, logger: Logger) {
        self.templates = templates
        self.metrics = metrics
        self.logger = logger
        // Before the server listens: a SIGHUP that comes before `run` watches for it is
        // ignored instead of ending the process (its default action).
        signal(SIGHUP, SIG_IGN)
    }

    func run() async throws {
        // Not `cancelOnGracefulShutdown()` on the sequence: that merges it with the
        // shutdown's, and swift-async-algorithms' merge holds a lock across a continuation
        // that Swift 6.3 may start on another turn of the thread; a shutdown then
        // deadlocked now and then, and the process never exited.
        await cancelWhenGracefulShutdown { [templates, metrics, logger] in
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                do throws(TemplateSetError) {
                    let set = try await templates.reload()
                    logger.info("templates reloaded on SIGHUP: \(set.templates.map(\.name).joined(separator: ", "))")
                } catch {
                    metrics.templateReloadFailed()
                    logger.error("template reload refused, the previous set stays in use:\n\(error.description)")
                }
            }
        }
    }
}
