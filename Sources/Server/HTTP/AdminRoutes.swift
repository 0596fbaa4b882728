import Foundation
import Hummingbird
import PushCompose
import Storage
import Templates

/// The admin API under `/v1/`, behind its own bearer token (never the hook key).
struct AdminRoutes: Sendable {
    let service: HookService
    /// With instances sharing a database: a template reload here is repeated by the others.
    let feed: (any ClusterFeed)?
    let access: AdminAccess
    let maxBodyBytes: Int
    let metrics: ServiceMetrics

    func register(on router: Router<BasicRequestContext>) {
        let admin = router.group("v1").add(middleware: AdminAuthMiddleware(access: access))
        admin.get("clients/{id}") { _, context in
            let id = try Self.id(context)
            guard let entry = service.registry.client(id) else { throw AdminError.notFound("no client '\(id)' in the registry") }
            return Self.json(Self.encode(entry, id: id))
        }
        admin.put("clients/{id}") { request, context in
            let id = try Self.id(context)
            let body = try await self.body(request)
            let entry = ClientEntry(name: try body.string("name", maxLength: Self.maxNameLength), locale: try body.string("locale"))
            if let locale = entry.locale, !LocaleTag.isWellFormed(locale) {
                throw AdminError.badRequest("'locale' must be a locale tag such as en or zh-Hans")
            }
            try await service.registry.setClient(id, entry)
            return Self.json(Self.encode(entry, id: id))
        }
        admin.get("conversations/{id}") { _, context in
            let id = try Self.id(context)
            let entry = service.registry.conversation(id)
            let mutedBy = service.registry.mutedBy(conversation: id)
            guard entry != nil || !mutedBy.isEmpty else { throw AdminError.notFound("no conversation '\(id)' in the registry") }
            return Self.json(.object([
                (key: "id", value: .string(id)),
                (key: "name", value: entry?.name.map(JSONValue.string) ?? .null),
                (key: "system", value: .bool(entry?.system ?? false)),
                (key: "mutedBy", value: .array(mutedBy.map(JSONValue.string))),
            ]))
        }
        admin.put("conversations/{id}") { request, context in
            let id = try Self.id(context)
            let body = try await self.body(request)
            let entry = ConversationEntry(name: try body.string("name", maxLength: Self.maxNameLength), system: try body.bool("system") ?? false)
            try await service.registry.setConversation(id, entry)
            return Self.json(Self.encode(entry, id: id))
        }
        admin.post("render") { request, _ in
            let body = try await request.collectBody(upTo: maxBodyBytes)
            let preview: (plan: HookPlan, channel: [String: [JSONValue]])
            do {
                preview = try await service.preview(body: body.readableBytesView)
            } catch let error as HookInputError {
                throw AdminError.badRequest(error.description)
            }
            return Self.json(Self.preview(preview.plan, channel: preview.channel))
        }
        admin.get("templates") { _, _ in
            Self.json(Self.templateList(service.templates.set))
        }
        admin.post("templates/reload") { [feed] request, _ in
            let set: TemplateSet
            do {
                set = try await service.templates.reload()
            } catch let error as TemplateSetError {
                metrics.templateReloadFailed()
                await service.audit.record(OperationAuditRecord.line(.reloadTemplates, request: request, members: [
                    ("outcome", .string("refused")), ("problems", .number(Double(error.problems.count))),
                ]))
                throw AdminError.invalidTemplates(error.problems)
            }
            await service.audit.record(OperationAuditRecord.line(.reloadTemplates, request: request, members: [
                ("outcome", .string("loaded")), ("digest", .string(set.digest)),
            ]))
            try await feed?.publish(.templates)
            return Self.json(Self.templateList(set))
        }
    }

    /// The longest client or conversation name, in characters (Unicode code points).
    static let maxNameLength = 256

    /// The path's `{id}`, percent-decoded: the router leaves it as sent, and client and
    /// conversation ids may hold spaces, `/` or non-ASCII letters, which the hook sends plain.
    /// Held to the hooks' `IdentifierRule`, so that no id reaches the registry that a hook
    /// could not name.
    static func id(_ context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require("id")
        guard let id = raw.removingPercentEncoding else {
            throw AdminError.badRequest("the id '\(raw)' is not validly percent-encoded")
        }
        if let problem = IdentifierRule.problem(id) {
            throw AdminError.badRequest("the id in the path \(problem)")
        }
        return id
    }

    private func body(_ request: Request) async throws -> AdminBody {
        try AdminBody(try await request.collectBody(upTo: maxBodyBytes).readableBytesView)
    }

    private static func encode(_ entry: ClientEntry, id: String) -> JSONValue {
        .object([
            (key: "id", value: .string(id)),
            (key: "name", value: entry.name.map(JSONValue.string) ?? .null),
            (key: "locale", value: entry.locale.map(JSONValue.string) ?? .null),
        ])
    }

    private static func encode(_ entry: ConversationEntry, id: String) -> JSONValue {
        .object([
            (key: "id", value: .string(id)),
            (key: "name", value: entry.name.map(JSONValue.string) ?? .null),
            (key: "system", value: .bool(entry.system)),
        ])
    }

    static func json(_ value: JSONValue) -> Response {
        JSONResponse.make(body: JSONEncoding.string(value))
    }

    static func templateList(_ set: TemplateSet) -> JSONValue {
        .object([(key: "digest", value: .string(set.digest)), (key: "lint", value: lint(set)), (key: "templates", value: .array(set.templates.map { template in
            .object([
                (key: "name", value: .string(template.name)),
                (key: "file", value: .string(template.file)),
                (key: "priority", value: .number(Double(template.priority))),
                (key: "default", value: .bool(template.isDefault)),
                (key: "locales", value: .array(template.localeTags.map(JSONValue.string))),
            ])
        }))])
    }

    /// The set in service loaded without errors (a set with errors is refused); its
    /// warnings as `lint` prints them.
    private static func lint(_ set: TemplateSet) -> JSONValue {
        let warnings = set.warnings
        return .object([
            (key: "state", value: .string(warnings.isEmpty ? "ok" : "warnings")),
            (key: "warnings", value: .array(warnings.map { warning in
                .object([
                    (key: "file", value: .string(warning.file)), (key: "line", value: .number(Double(warning.line))),
                    (key: "message", value: .string(warning.reason)),
                ])
            })),
        ])
    }

    /// The answer, and what each receiver's template asked for and where it goes
    /// (`route`: `answer`, `custom`, `undeliverable` or `muted`), with its experiment's
    /// variant and, for the custom channel, what each of its devices' providers would be
    /// sent (`channel`); `experiment`: each receiver's assigned variant and whether it was sent.
    static func preview(_ plan: HookPlan, channel: [String: [JSONValue]]) -> JSONValue {
        let coalesced = Set(plan.coalesced.map(\.receiver))
        let custom = Set(plan.custom.map(\.receiver))
        let undeliverable = Set(plan.undeliverable)
        let muted = Set(plan.mutedUnforced)
        let depersonalized = Set(plan.depersonalized)
        func route(_ receiver: String) -> String {
            if custom.contains(receiver) { return "custom" }
            if undeliverable.contains(receiver) { return "undeliverable" }
            if muted.contains(receiver) { return "muted" }
            return "answer"
        }
        /// Why the receiver goes where it goes, in words for the dashboard's preview.
        func reason(_ receiver: String) -> String {
            switch route(receiver) {
            case "custom":
                return "custom delivery: the receiver's push differs from the answer's (or its template is builtin: false) and the receiver has a device"
            case "undeliverable":
                return "no push: the template is builtin: false and the receiver has no device"
            case "muted":
                return "no push: the receiver muted the conversation and the template does not force through a mute"
            default:
                if coalesced.contains(receiver) {
                    return "built-in answer, coalesced: its template asked for another payload (or force), and without a device the answer's push is the one it gets"
                }
                if depersonalized.contains(receiver) {
                    return "built-in answer, without a receiver's name: the payload names its receiver and the answer goes to others too"
                }
                return "built-in answer: the answer's payload is this receiver's own"
            }
        }
        var receivers: [JSONValue] = []
        for (index, group) in plan.groups.enumerated() {
            for receiver in group.receivers {
                receivers.append(.object([
                    (key: "receiver", value: .string(receiver)),
                    (key: "template", value: .string(group.template)),
                    (key: "locale", value: group.locale.map(JSONValue.string) ?? .null),
                    (key: "payload", value: .string(group.payload)),
                    (key: "force", value: .bool(group.force)),
                    (key: "group", value: .number(Double(index))),
                    (key: "coalesced", value: .bool(coalesced.contains(receiver))),
                    (key: "route", value: .string(route(receiver))),
                    (key: "reason", value: .string(reason(receiver))),
                    (key: "variant", value: group.variant.map(JSONValue.string) ?? .null),
                    (key: "channel", value: .array(channel[receiver] ?? [])),
                ]))
            }
        }
        return .object([
            (key: "result", value: plan.answer.json),
            (key: "template", value: .string(plan.template)),
            (key: "receivers", value: .array(receivers)),
            (key: "excluded", value: .array(plan.excluded.map(JSONValue.string))),
            (key: "mutedUnforced", value: .array(plan.mutedUnforced.map(JSONValue.string))),
            (key: "experiment", value: plan.experiment.map { experiment in
                .object([
                    (key: "name", value: .string(experiment.experiment)),
                    (key: "unit", value: .string(experiment.unit.rawValue)),
                    (key: "assignments", value: .array(experiment.assignments.map { assignment in
                        .object([
                            (key: "receiver", value: .string(assignment.receiver)),
                            (key: "variant", value: .string(assignment.variant)),
                            (key: "overridden", value: .bool(assignment.overridden)),
                            (key: "delivery", value: .string(assignment.delivery.rawValue)),
                        ])
                    })),
                ])
            } ?? .null),
            (key: "renderFailures", value: .array(plan.renderFailures.map { failure in
                .object([
                    (key: "receiver", value: .string(failure.receiver)),
                    (key: "template", value: .string(failure.template)),
                    (key: "reason", value: .string(failure.reason)),
                    (key: "fellBackTo", value: failure.fellBackTo.map(JSONValue.string) ?? .null),
                ])
            })),
        ])
    }
}

/// Admin API errors, in the same `{"code", "error"}` shape as the hook's.
enum AdminError {
    static func badRequest(_ message: String) -> CloudFunctionError {
        CloudFunctionError(status: .badRequest, code: 400, message: message)
    }

    static func notFound(_ message: String) -> CloudFunctionError {
        CloudFunctionError(status: .notFound, code: 404, message: message)
    }

    static func invalidTemplates(_ problems: [LintProblem]) -> CloudFunctionError {
        CloudFunctionError(
            status: .unprocessableContent, code: 422,
            message: "template set refused, the previous set stays in use:\n" + problems.map(\.description).joined(separator: "\n"))
    }
}
