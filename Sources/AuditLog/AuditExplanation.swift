import PushCompose

/// What happened to one receiver for one hook call, read from the call's records: the
/// decision (template, variant, muted or forced, the route), the exposure, and each
/// device's delivery events. `text` tells it in words, `json` in members.
public struct AuditExplanation: Sendable {
    public enum Outcome: String, Sendable {
        case explained
        /// No record names the call.
        case callNotFound
        /// The call's records do not name the receiver.
        case receiverNotInCall
    }

    /// How the receiver's push left the decision.
    public enum Route: String, Sendable {
        /// In the group whose payload the hook answered: the built-in push.
        case answered
        /// Wanted another payload, got the answer's.
        case coalesced
        /// Sent through the service's own channel (`push`).
        case queued
        /// The template sends through the custom channel and the receiver has no device.
        case undeliverable
        /// Not pushed by decision: mention-only mode, or a failed render with fail-open off.
        case excluded
        /// Muted the conversation and not forced: not pushed.
        case mutedUnforced
        /// The decision's record was not found (only delivery events were).
        case unknown
    }

    public struct Attempt: Sendable {
        public var time: String
        public var number: Int?
        public var outcome: String?
        public var status: String?
        public var reason: String?
        public var millis: Int?
        public var nextAttemptAt: String?
    }

    /// One job: the push to one of the receiver's devices.
    public struct Delivery: Sendable {
        public var push: String
        public var job: Int?
        public var provider: String
        public var device: String
        public var queuedAt: String?
        public var badge: Int?
        public var attempts: [Attempt] = []
        /// `delivered`, `dead`, `deviceRemoved`, `leaseLost` (the last one seen), or nil: still queued.
        public var end: (kind: String, time: String, reason: String?)?
    }

    public var receiver: String
    public var call: String
    public var outcome: Outcome
    public var time: String?
    public var conversation: String?
    public var sender: String?
    public var messageKind: String?
    public var offlineReceivers: Int?
    public var template: String?
    public var locale: String?
    public var variant: String?
    public var experiment: String?
    public var exposure: String?
    public var muted = false
    public var forced = false
    public var route: Route = .unknown
    /// The reason of a coalesced or undeliverable route.
    public var routeReason: String?
    /// The push id of a queued route.
    public var push: String?
    /// The receiver's own payload as kept (auditText full), or nil.
    public var payload: String?
    /// Whether the payload was kept as an HMAC only.
    public var payloadHashed = false
    /// For a coalesced receiver: the answer's payload they got instead.
    public var answeredPayload: String?
    public var depersonalized = false
    public var renderFailure: (template: String, reason: String, fellBackTo: String?)?
    public var deliveries: [Delivery] = []

    /// From the records that name `call` (others are ignored), in time order.
    public init(receiver: String, call: String, records: [AuditRecord]) {
        self.receiver = receiver
        self.call = call
        let ofCall = records.filter { sameId($0.string("call"), call) }
        let hook = ofCall.first { $0.kind == "hook" }
        let named = AuditQuery(receiver: receiver)
        let own = ofCall.filter { $0.kind != "hook" && named.matches($0) }
        if ofCall.isEmpty {
            outcome = .callNotFound
        } else if hook.map(named.matches) != true && own.isEmpty {
            outcome = .receiverNotInCall
        } else {
            outcome = .explained
        }
        if let hook { decision(hook) }
        for record in own { event(record) }
    }

    private mutating func decision(_ hook: AuditRecord) {
        time = hook.time
        conversation = hook.string("conversation")
        sender = hook.string("sender")
        messageKind = hook.string("messageKind")
        offlineReceivers = hook.number("receivers").map { Int($0) }
        template = hook.string("template")
        experiment = hook.string("experiment")
        guard outcome == .explained else { return }
        func listed(_ key: String) -> Bool { hook.strings(key).contains { sameId($0, receiver) } }
        func entry(_ key: String) -> JSONValue? { hook.objects(key).first { sameId($0["receiver"]?.stringValue, receiver) } }
        let groups = hook.objects("groups")
        let index = groups.firstIndex { ($0["receivers"]?.strings ?? []).contains { sameId($0, receiver) } }
        let answered = groups.first { $0["answered"]?.boolValue == true }
        if let index {
            let group = groups[index]
            template = group["template"]?.stringValue ?? template
            locale = group["locale"]?.stringValue
            variant = group["variant"]?.stringValue
            payload = group["payload"]?.stringValue
            payloadHashed = group["payloadHMAC"] != nil
            forced = group["force"]?.boolValue == true && listed("muted")
        }
        muted = listed("muted") || listed("mutedUnforced")
        depersonalized = listed("depersonalized")
        if let failure = entry("renderFailures") {
            renderFailure = (failure["template"]?.stringValue ?? "", failure["reason"]?.stringValue ?? "", failure["fellBackTo"]?.stringValue)
        }
        if listed("mutedUnforced") {
            route = .mutedUnforced
        } else if listed("excluded") {
            route = .excluded
        } else if let entry = entry("undeliverable") {
            route = .undeliverable
            routeReason = entry["reason"]?.stringValue
        } else if let entry = entry("custom") {
            route = .queued
            push = entry["push"]?.stringValue
        } else if let entry = entry("coalesced") {
            route = .coalesced
            routeReason = entry["reason"]?.stringValue
            answeredPayload = answered?["payload"]?.stringValue ?? hook.value["answer"]?["pushMessage"]?.stringValue
        } else if let index, groups[index]["answered"]?.boolValue == true {
            route = .answered
        }
    }

    private mutating func event(_ record: AuditRecord) {
        let kind = record.kind
        if kind == "exposure" {
            variant = variant ?? record.string("variant")
            experiment = experiment ?? record.string("experiment")
            exposure = record.string("status")
            return
        }
        guard let pushId = record.string("push") else { return }
        if route == .unknown, outcome == .explained, time == nil { push = pushId }
        let job = record.number("job").map { Int($0) }
        let device = record.string("device") ?? ""
        var at = deliveries.firstIndex { $0.push == pushId && $0.job == job && $0.device == device }
        if at == nil {
            deliveries.append(Delivery(push: pushId, job: job, provider: record.string("provider") ?? "", device: device))
            at = deliveries.count - 1
        }
        switch kind {
        case "queued":
            deliveries[at!].queuedAt = record.time
            deliveries[at!].badge = record.number("badge").map { Int($0) }
        case "attempt":
            deliveries[at!].attempts.append(Attempt(
                time: record.time, number: record.number("attempt").map { Int($0) }, outcome: record.string("outcome"),
                status: record.value["status"]?.wholeText, reason: record.string("reason"), millis: record.number("millis").map { Int($0) },
                nextAttemptAt: record.string("nextAttemptAt")))
        case "delivered", "dead", "deviceRemoved", "leaseLost":
            deliveries[at!].end = (kind, record.time, record.string("reason"))
        default:
            break
        }
    }

    /// Searches the call's records (the whole log: a call id tells no time) and explains them.
    public static func explain(receiver: String, call: String, in search: AuditSearch) throws -> AuditExplanation {
        var records: [AuditRecord] = []
        let named = AuditQuery(receiver: receiver)
        try search.run(AuditQuery(call: call, limit: Int.max)) { record in
            // Other receivers' delivery events of a large call are not kept.
            if record.kind == "hook" || named.matches(record) { records.append(record) }
        }
        return AuditExplanation(receiver: receiver, call: call, records: records)
    }
}
