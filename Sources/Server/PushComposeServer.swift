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
    let secured: Bool
    let logger: Logger

    init(configuration: ServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        secured = try configuration.secrets() != nil
        try configuration.checkAdminToken()
        metrics = ServiceMetrics()
        let templates = try TemplateLibrary(directory: URL(fileURLWithPath: configuration.templates), options: configuration.composerOptions)
        let data = URL(fileURLWithPath: configuration.data)
        let directory = try Directory(store: try SQLiteStateStore(directory: data))
        audit = try JSONLinesAuditLog(
            directory: data.appendingPathComponent("audit"), maxFileBytes: configuration.auditMaxFileBytes, logger: logger)
        service = HookService(templates: templates, directory: directory, audit: audit, metrics: metrics, settings: configuration.hookSettings)
    }

    func makeRouter() throws -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: JSONErrorMiddleware(metrics: metrics))
        FunctionRoutes(service: service, authenticator: RequestAuthenticator(secrets: try configuration.secrets()), maxBodyBytes: configuration.maxBodyBytes)
            .register(on: router)
        AdminRoutes(service: service, token: configuration.adminToken, maxBodyBytes: configuration.maxBodyBytes, metrics: metrics)
            .register(on: router)
        router.get("/healthz") { _, _ in JSONResponse.make(body: #"{"status":"ok"}"#) }
        router.get("/metrics") { [metrics] _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        return router
    }

    /// The application, with the audit writer and the SIGHUP reloader as its services.
    func makeApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let host = try configuration.bindHost(secured: secured)
        return Application(
            router: try makeRouter(),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: nil),
            services: [audit, TemplateReloadOnSignal(templates: service.templates, metrics: metrics, logger: logger)],
            onServerRunning: onServerRunning,
            logger: logger)
    }
}

/// Reloads the templates on SIGHUP; a set that fails lint is refused and logged.
struct TemplateReloadOnSignal: Service {
    let templates: TemplateLibrary
    let metrics: ServiceMetrics
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do {
                let set = try templates.reload()
                logger.info("templates reloaded on SIGHUP: \(set.templates.map(\.name).joined(separator: ", "))")
            } catch {
                metrics.templateReloadFailed()
                logger.error("template reload refused, the previous set stays in use:\n\(error.description)")
            }
        }
    }
}
