import Experiments
import Foundation
import Hummingbird
import PushCompose
import Storage

/// Experiments over HTTP: `POST /v1/events` for the app's backend (behind the events
/// token), and for operators behind the admin token the list, the report and per-unit
/// overrides.
struct ExperimentRoutes: Sendable {
    let templates: ActiveTemplateSet
    let experiments: ExperimentState
    let exposures: ExposureRecorder
    let access: AdminAccess
    let eventsToken: String
    let maxBodyBytes: Int
    let metrics: ServiceMetrics

    private func catalog() -> ExperimentCatalog { ExperimentCatalog(set: templates.set, store: experiments.store) }

    func register(on router: Router<BasicRequestContext>) {
        let events = router.group("v1").add(
            middleware: AdminAuthMiddleware(token: eventsToken, off: "the events API is off: set PUSHCOMPOSE_EVENTS_TOKEN"))
        events.post("events") { request, _ in
            let body = try await request.collectBody(upTo: maxBodyBytes)
            let now = Date().timeIntervalSince1970
            let parsed = try OpenEventsBody(body.readableBytesView, now: now)
            // An open may name a push answered a moment ago: its exposure is written first.
            await exposures.flush()
            let outcomes = try await experiments.store.recordOpens(parsed.events, windows: catalog().openWindows)
            var counts: [OpenEventOutcome: Int] = [:]
            for outcome in outcomes { counts[outcome, default: 0] += 1 }
            for (outcome, count) in counts { metrics.openEvents(outcome, count: count) }
            let order: [OpenEventOutcome] = [.counted, .duplicate, .outsideWindow, .unknownPush, .receiverNeeded]
            return AdminRoutes.json(.object(
                order.map { (key: Self.key($0), value: .number(Double(counts[$0] ?? 0))) }
                    + [(key: "outcomes", value: .array(outcomes.map { .string($0.rawValue) }))]))
        }

        let admin = router.group("v1").add(middleware: AdminAuthMiddleware(access: access))
        admin.get("experiments") { request, _ in
            _ = try AdminQuery(request, allowed: [])
            let now = Date().timeIntervalSince1970
            let catalog = catalog()
            return AdminRoutes.json(.object([(key: "experiments", value: catalog.listJSON(try await catalog.list(now: now), now: now))]))
        }
        admin.get("experiments/{name}/report") { request, context in
            let query = try AdminQuery(request, allowed: ["since"])
            let now = Date().timeIntervalSince1970
            var since: Double?
            if let text = query.string("since") {
                guard let time = PointInTime.parse(text, now: now) else {
                    throw AdminError.badRequest("query parameter 'since' must be \(PointInTime.help), not '\(text)'")
                }
                since = time
            }
            let report: ExperimentReport
            do {
                report = try await catalog().report(try context.parameters.require("name"), since: since, now: now)
            } catch let error as ExperimentCatalog.UnknownExperiment {
                throw AdminError.notFound(error.description)
            }
            return JSONResponse.make(body: try ExperimentCatalog.json(report))
        }
        admin.get("experiments/{name}/overrides") { _, context in
            let name = try experimentName(context)
            let overrides = try await experiments.store.overrides(experiment: name)
            return AdminRoutes.json(.object([(key: "overrides", value: .array(overrides.map(Self.json)))]))
        }
        admin.put("experiments/{name}/overrides/{id}") { request, context in
            let name = try experimentName(context)
            let unit = try AdminRoutes.id(context)
            let body = try AdminBody(try await request.collectBody(upTo: maxBodyBytes).readableBytesView)
            try body.refuseUnknownMembers(["variant"])
            let design = try catalog().design(name)
            guard let variant = try body.string("variant") else { throw AdminError.badRequest("'variant' is missing") }
            guard design.variants.contains(where: { $0.name == variant }) else {
                throw AdminError.badRequest(
                    "experiment '\(name)' has no variant '\(variant)' (it has: \(design.variants.map(\.name).joined(separator: ", ")))")
            }
            let override = ExperimentOverride(experiment: name, unit: unit, variant: variant, createdAt: Date().timeIntervalSince1970)
            try await experiments.setOverride(override)
            return AdminRoutes.json(Self.json(override))
        }
        admin.delete("experiments/{name}/overrides/{id}") { _, context in
            let name = try experimentName(context)
            let unit = try AdminRoutes.id(context)
            guard try await experiments.removeOverride(experiment: name, unit: unit) else {
                throw AdminError.notFound("experiment '\(name)' has no override for '\(unit)'")
            }
            return Response(status: .noContent)
        }
    }

    /// The path's experiment, which the templates must declare.
    private func experimentName(_ context: BasicRequestContext) throws -> String {
        let name = try context.parameters.require("name")
        do {
            return try catalog().design(name).name
        } catch {
            throw AdminError.notFound(error.description)
        }
    }

    private static func key(_ outcome: OpenEventOutcome) -> String {
        switch outcome {
        case .counted: "counted"
        case .duplicate: "duplicate"
        case .outsideWindow: "outsideWindow"
        case .unknownPush: "unknownPush"
        case .receiverNeeded: "receiverNeeded"
        }
    }

    static func json(_ override: ExperimentOverride) -> JSONValue {
        .object([
            (key: "experiment", value: .string(override.experiment)),
            (key: "unit", value: .string(override.unit)),
            (key: "variant", value: .string(override.variant)),
            (key: "createdAt", value: .string(UTCTimestamp.iso8601(Date(timeIntervalSince1970: override.createdAt)))),
        ])
    }
}
