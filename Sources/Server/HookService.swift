import Delivery
import Foundation
import NIOCore
import PushCompose
import Templates

/// The cloud functions this host defines, from a parsed body to the hook's return value:
/// decode → compose and route → queue the custom channel's pushes → audit → answer.
/// HTTP lives in the router; this is what it calls.
final class HookService: Sendable {
    struct Settings: Sendable {
        var composer = Composer.Options()
        var maxPeers = 10_000
        var auditText = AuditTextPolicy.full
    }

    static let receiversOffline = "_receiversOffline"
    static let conversationUpdate = "_conversationUpdate"
    static let clientOnline = "_clientOnline"
    static let clientOffline = "_clientOffline"
    /// What `_ops/metadatas` lists.
    static let functions = [receiversOffline, conversationUpdate, clientOnline, clientOffline]

    let templates: ActiveTemplateSet
    let registry: Registry
    let delivery: CustomDelivery
    let audit: any AuditSink
    let metrics: ServiceMetrics
    let settings: Settings
    let experiments: ExperimentState
    let exposures: ExposureRecorder

    init(
        templates: ActiveTemplateSet, registry: Registry, delivery: CustomDelivery, experiments: ExperimentState,
        exposures: ExposureRecorder, audit: any AuditSink, metrics: ServiceMetrics, settings: Settings
    ) {
        self.templates = templates
        self.registry = registry
        self.experiments = experiments
        self.exposures = exposures
        self.delivery = delivery
        self.audit = audit
        self.metrics = metrics
        self.settings = settings
    }

    /// Composes and routes one call: the receivers' devices are read first, for their
    /// locales and for whether the custom channel reaches them.
    private func plan(_ hook: ReceiversOfflineHook, call: String, now: Double) async throws -> (HookPlan, [String: [Device]], DeviceAwareRegistry) {
        let devices = try await delivery.devices.devices(of: hook.offlinePeers)
        let registry = DeviceAwareRegistry(registry: registry, devices: devices, providers: delivery.providers)
        let composer = Composer(templates: templates.set, registry: registry, experiments: experiments, options: settings.composer)
        return (composer.compose(hook, call: call, now: now), devices, registry)
    }

    /// Runs `function` on a request body and returns its return value.
    func call(_ function: String, body: ByteBuffer) async throws -> JSONValue {
        let started = ContinuousClock.now
        defer { metrics.recordHookDuration(function: function, ContinuousClock.now - started) }
        do {
            let parameters = try HookParameters(body: body.readableBytesView)
            switch function {
            case Self.receiversOffline:
                let hook = try ReceiversOfflineHook(parameters, maxPeers: settings.maxPeers)
                let call = PushIdentifier.random()
                let now = Date().timeIntervalSince1970
                let (plan, devices, registry) = try await plan(hook, call: call, now: now)
                // Durable before the answer: once the hook is answered the push must not be lost.
                let pushIds = try await delivery.enqueue(plan, conversation: hook.convId, call: call, devices: devices)
                let exposed = ExperimentExposures.make(plan, call: call, pushIds: pushIds, time: now)
                if let exposed {
                    await exposures.record(exposed)
                    metrics.experimentExposures(exposed)
                }
                metrics.answer(kind: plan.answer.skip == true ? "skip" : "push")
                metrics.coalescedReceivers(plan.coalesced.count)
                metrics.renderFailures(plan.renderFailures.count, template: plan.template)
                let micros = Int((ContinuousClock.now - started) / .microseconds(1))
                let auditRecord = HookAuditRecord(textPolicy: settings.auditText)
                let input = settings.auditText.keepsText ? HookAuditInput.make(body: body.readableBytesView, parameters: parameters, hook: hook, registry: registry) : nil
                var lines = [auditRecord.receiversOffline(hook: hook, plan: plan, call: call, pushIds: pushIds, input: input, micros: micros)]
                if let exposed { lines += auditRecord.exposures(exposed, call: call, conversation: hook.convId) }
                await audit.record(lines)
                return plan.answer.json
            case Self.conversationUpdate:
                let update = try ConversationUpdateHook(parameters)
                switch update.change {
                case .mute(let muted):
                    try await registry.setMuted(muted, client: update.initBy, conversation: update.convId)
                case .attributes(let name?):
                    try await registry.learnConversationName(name, conversation: update.convId)
                case .attributes(nil):
                    return .object([])
                }
                await audit.record(HookAuditRecord(textPolicy: settings.auditText).conversationUpdate(update))
                return .object([])
            case Self.clientOnline:
                let peer = try parameters.optionalId("peerId")  // a malformed id is refused as everywhere
                metrics.clientEvent("online")
                if delivery.badgeResetOnClientOnline, let peer { try await delivery.queue.resetBadge(of: peer) }
                return .object([])
            case Self.clientOffline:
                _ = try parameters.optionalId("peerId")
                metrics.clientEvent("offline")
                return .object([])
            default:
                throw CloudFunctionError.notFound(function: function)
            }
        } catch let error as HookInputError {
            if function == Self.receiversOffline { metrics.answer(kind: "error") }
            let micros = Int((ContinuousClock.now - started) / .microseconds(1))
            await audit.record(HookAuditRecord(textPolicy: settings.auditText).rejected(function: function, status: 400, error: error.description, micros: micros))
            throw CloudFunctionError.badRequest(error.description)
        }
    }

    /// Composes and routes without queueing, answering or auditing: the preview of
    /// `POST /v1/render`, with what each provider would be sent for the custom channel's
    /// receivers (`CustomDelivery.preview`).
    func preview(body: some Collection<UInt8>) async throws -> (plan: HookPlan, channel: [String: [JSONValue]]) {
        let hook = try ReceiversOfflineHook(HookParameters(body: body), maxPeers: settings.maxPeers)
        let call = PushIdentifier.random()
        let (plan, devices, _) = try await plan(hook, call: call, now: Date().timeIntervalSince1970)
        return (plan, try await delivery.preview(plan, conversation: hook.convId, call: call, devices: devices))
    }
}
