import Delivery
import Foundation
import Hummingbird
import PushCompose

/// The admin API of custom delivery under `/v1/`, behind the admin token: each client's
/// devices and badge counter, and the queue (counts, jobs, retrying and purging dead jobs).
/// What changes the queue or the devices is recorded in the audit log.
struct DeliveryAdminRoutes: Sendable {
    let delivery: CustomDelivery
    let access: AdminAccess
    let audit: any AuditSink
    let maxBodyBytes: Int

    func register(on router: Router<BasicRequestContext>) {
        let admin = router.group("v1").add(middleware: AdminAuthMiddleware(access: access))
        admin.post("clients/{id}/devices") { request, context in
            let registration = try Self.registration(try await body(request), clientId: try AdminRoutes.id(context))
            let result: DeviceRegistrationResult
            do {
                result = try await delivery.devices.register(registration, now: delivery.clock.now())
            } catch let error as DeviceRegistrationError {
                throw AdminError.badRequest(error.description)
            }
            return Self.json(DeliveryJSON.registration(result), status: .created)
        }
        admin.get("clients/{id}/devices") { _, context in
            Self.json(DeliveryJSON.devices(try await delivery.devices.devices(of: try AdminRoutes.id(context))))
        }
        admin.delete("clients/{id}/devices/{provider}/{token}") { request, context in
            let id = try AdminRoutes.id(context)
            let provider = try Self.providerKind(try context.parameters.require("provider"), field: "the provider in the path")
            let rawToken = try context.parameters.require("token")
            guard let token = rawToken.removingPercentEncoding else {
                throw AdminError.badRequest("the token in the path is not validly percent-encoded")
            }
            // Only this client's: one client's path never removes another's device.
            guard try await delivery.devices.remove(provider: provider, token: token, of: id) != nil else {
                throw AdminError.notFound("client '\(id)' has no \(provider.rawValue) device with that token")
            }
            await audit.record(OperationAuditRecord.line(.removeDevice, request: request, members: [
                ("receiver", .string(id)), ("provider", .string(provider.rawValue)),
                ("device", .string("…" + String(token.suffix(DeliveryAuditSink.tokenSuffixLength)))),
            ]))
            return Response(status: .noContent)
        }
        admin.get("clients/{id}/badge") { _, context in
            Self.json(DeliveryJSON.count("badge", try await delivery.queue.badge(of: try AdminRoutes.id(context))))
        }
        admin.post("clients/{id}/badge/reset") { _, context in
            try await delivery.queue.resetBadge(of: try AdminRoutes.id(context))
            return Self.json(DeliveryJSON.count("badge", 0))
        }
        admin.get("queue") { request, _ in
            _ = try AdminQuery(request, allowed: [])
            let now = delivery.clock.now()
            return Self.json(DeliveryJSON.stats(try await delivery.queue.stats(now: now), now: now))
        }
        admin.get("queue/jobs") { request, _ in
            let query = try AdminQuery(request, allowed: ["state", "provider", "after", "limit"])
            let filter = JobFilter(state: try query.oneOf("state", JobState.self), provider: try query.oneOf("provider", ProviderKind.self))
            let after = try query.integer("after", in: 0...Int64.max)
            let limit = try query.integer("limit", in: 1...Int64(JobPage.maxLimit)).map(Int.init) ?? JobPage.defaultLimit
            return Self.json(DeliveryJSON.page(try await JobPage.read(delivery.queue, matching: filter, afterId: after, limit: limit)))
        }
        admin.post("queue/jobs/{id}/retry") { request, context in
            let raw = try context.parameters.require("id")
            guard let id = Int64(raw), id > 0 else {
                throw AdminError.badRequest("the job id in the path must be a positive whole number, not '\(raw)'")
            }
            guard let job = try await delivery.queue.job(id: id), job.state == .dead,
                  try await delivery.queue.retryDead(id: id, now: delivery.clock.now())
            else { throw AdminError.notFound("no dead job with id \(id)") }
            await audit.record(OperationAuditRecord.line(.retryJob, request: request, members: [
                ("job", .number(Double(id))), ("push", .string(job.pushId)), ("receiver", .string(job.receiver)),
                ("provider", .string(job.device.provider.rawValue)), ("count", .number(1)),
            ]))
            delivery.signal.notify(job.device.provider)
            return Self.json(DeliveryJSON.count("retried", 1))
        }
        admin.post("queue/dead/retry") { request, _ in
            let provider = try AdminQuery(request, allowed: ["provider"]).oneOf("provider", ProviderKind.self)
            let retried = try await delivery.queue.retryAllDead(provider: provider, now: delivery.clock.now())
            await audit.record(OperationAuditRecord.line(.retryAllDead, request: request, members: [
                ("provider", provider.map { .string($0.rawValue) } ?? .null), ("count", .number(Double(retried))),
            ]))
            if retried > 0 {
                if let provider { delivery.signal.notify(provider) } else { delivery.signal.notifyAll() }
            }
            return Self.json(DeliveryJSON.count("retried", retried))
        }
        admin.delete("queue/dead") { request, _ in
            let query = try AdminQuery(request, allowed: ["olderThan"])
            var cutoff: Date?
            if let text = query.string("olderThan") {
                guard let seconds = DurationText.seconds(text) else {
                    throw AdminError.badRequest("query parameter 'olderThan' must be a duration such as \(DurationText.examples) (at most \(DurationText.maxSeconds / 86_400)d), not '\(text)'")
                }
                cutoff = delivery.clock.now().addingTimeInterval(-Double(seconds))
            }
            let purged = try await delivery.queue.purgeDead(olderThan: cutoff)
            await audit.record(OperationAuditRecord.line(.purgeDead, request: request, members: [
                ("olderThan", query.string("olderThan").map(JSONValue.string) ?? .null), ("count", .number(Double(purged))),
            ]))
            return Self.json(DeliveryJSON.count("purged", purged))
        }
    }

    /// The members a device registration may have.
    private static let registrationMembers: Set<String> = ["provider", "token", "platform", "locale", "environment", "topic"]

    /// A registration from its body; the store's own checks (`validated()`) follow.
    private static func registration(_ body: AdminBody, clientId: String) throws -> DeviceRegistration {
        try body.refuseUnknownMembers(registrationMembers)
        guard let providerText = try body.string("provider") else { throw AdminError.badRequest("'provider' is required") }
        let provider = try providerKind(providerText, field: "'provider'")
        guard let token = try body.string("token") else { throw AdminError.badRequest("'token' is required") }
        let locale = try body.string("locale")
        if let locale, !LocaleTag.isWellFormed(locale) {
            throw AdminError.badRequest("'locale' must be a locale tag such as en or zh-Hans")
        }
        var environment: APNsEnvironment?
        if let text = try body.string("environment") {
            guard let value = APNsEnvironment(rawValue: text) else {
                throw AdminError.badRequest("'environment' must be one of \(APNsEnvironment.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            environment = value
        }
        let address = DeviceAddress(
            provider: provider, token: token, platform: try body.string("platform"), apnsEnvironment: environment, topic: try body.string("topic"))
        do {
            return try DeviceRegistration(clientId: clientId, address: address, locale: locale).validated()
        } catch {
            throw AdminError.badRequest(error.description)
        }
    }

    private static func providerKind(_ text: String, field: String) throws(CloudFunctionError) -> ProviderKind {
        guard let provider = ProviderKind(rawValue: text) else {
            throw AdminError.badRequest("\(field) must be one of \(ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return provider
    }

    private func body(_ request: Request) async throws -> AdminBody {
        try AdminBody(try await request.collectBody(upTo: maxBodyBytes).readableBytesView)
    }

    private static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        JSONResponse.make(status: status, body: JSONEncoding.string(value))
    }
}
