import PushCompose

/// What `audit find` and `GET /v1/audit` look for. Every filter given must hold; ids
/// compare byte for byte.
///
/// - `receiver`: the record's `receiver`; a hook listing the receiver anywhere (a group's
///   receivers, coalesced, custom, undeliverable, excluded, mutedUnforced, muted,
///   depersonalized, renderFailures); an exposure's receivers; the client of a
///   conversation update (their own mute).
/// - `push`: the record's `push`; a hook whose call is that id (the built-in push's id is
///   the call's) or that queued it (`custom[].push`); an exposure listing it in `pushes`.
/// - `template`: a hook's template or one of its groups'.
/// - `experiment`: a hook's or an exposure's experiment.
/// - `status`: what became of the record's push or request: an attempt's outcome
///   (`delivered`, `retry`, `device_gone`, `failed`) or the provider's HTTP status; the
///   kind of the other delivery events (`queued`, `delivered`, `dead`, `deviceRemoved`,
///   `leaseLost`); an exposure's status (`exposed`, `notExposed`, `overridden`); a
///   rejected call's HTTP status (`400`). Other records have none.
/// - `since` (inclusive) and `until` (exclusive): record times as the records write them.
public struct AuditQuery: Sendable, Equatable {
    public var receiver: String?
    public var conversation: String?
    public var push: String?
    public var call: String?
    public var template: String?
    public var experiment: String?
    public var kind: AuditRecordKind?
    public var status: String?
    /// `AuditTime` text: records at or after it.
    public var since: String?
    /// `AuditTime` text: records before it.
    public var until: String?
    /// At most this many records.
    public var limit: Int
    /// Oldest first unless told otherwise; the limit keeps the first records in this order.
    public var order: AuditOrder

    public static let defaultLimit = 100

    public init(
        receiver: String? = nil, conversation: String? = nil, push: String? = nil, call: String? = nil, template: String? = nil,
        experiment: String? = nil, kind: AuditRecordKind? = nil, status: String? = nil, since: String? = nil, until: String? = nil,
        limit: Int = AuditQuery.defaultLimit, order: AuditOrder = .oldestFirst
    ) {
        self.receiver = receiver
        self.conversation = conversation
        self.push = push
        self.call = call
        self.template = template
        self.experiment = experiment
        self.kind = kind
        self.status = status
        self.since = since
        self.until = until
        self.limit = limit
        self.order = order
    }

    /// What a line's bytes must contain to be worth parsing: each string filter's value as
    /// the writer encodes it (quoted and escaped); a numeric status as digits.
    var prefilter: AuditLinePrefilter {
        var needles = [receiver, conversation, push, call, template, experiment, kind?.rawValue].compactMap { $0 }.map(Self.quoted)
        if let status { needles.append(Self.isNumber(status) ? Array(status.utf8) : Self.quoted(status)) }
        // The longest first: it is the rarest, and most lines fail on it.
        needles.sort { $0.count > $1.count }
        return AuditLinePrefilter(needles: needles.map(ByteNeedle.init), since: since.flatMap(RecordTime.init(text:)), until: until.flatMap(RecordTime.init(text:)))
    }

    private static func quoted(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        JSONEncoding.write(.string(text), into: &bytes)
        return bytes
    }

    private static func isNumber(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Whether the record matches every filter (the limit aside).
    public func matches(_ record: AuditRecord) -> Bool {
        let time = record.time
        if let since, time < since { return false }
        if let until, time >= until { return false }
        let kind = record.kind
        if let wanted = self.kind, kind != wanted.rawValue { return false }
        if let call, !sameId(record.string("call"), call) { return false }
        if let conversation, !sameId(record.string("conversation"), conversation) { return false }
        if let receiver, !Self.lists(record, receiver: receiver, kind: kind) { return false }
        if let push, !Self.names(record, push: push, kind: kind) { return false }
        if let template, !Self.uses(record, template: template, kind: kind) { return false }
        if let experiment, kind != "hook" && kind != "exposure" || !sameId(record.string("experiment"), experiment) { return false }
        if let status, !Self.has(record, status: status, kind: kind) { return false }
        return true
    }

    private static func lists(_ record: AuditRecord, receiver: String, kind: String) -> Bool {
        if sameId(record.string("receiver"), receiver) { return true }
        func listed(_ key: String) -> Bool { record.strings(key).contains { sameId($0, receiver) } }
        func inObjects(_ key: String) -> Bool { record.objects(key).contains { sameId($0["receiver"]?.stringValue, receiver) } }
        switch kind {
        case "hook":
            return record.objects("groups").contains { ($0["receivers"]?.strings ?? []).contains { sameId($0, receiver) } }
                || inObjects("coalesced") || inObjects("custom") || inObjects("undeliverable") || inObjects("renderFailures")
                || listed("excluded") || listed("mutedUnforced") || listed("muted") || listed("depersonalized")
        case "exposure":
            return listed("receivers")
        case "conversationUpdate":
            return sameId(record.string("client"), receiver)
        default:
            return false
        }
    }

    private static func names(_ record: AuditRecord, push: String, kind: String) -> Bool {
        if sameId(record.string("push"), push) { return true }
        switch kind {
        case "hook":
            return sameId(record.string("call"), push) || record.objects("custom").contains { sameId($0["push"]?.stringValue, push) }
        case "exposure":
            return record.strings("pushes").contains { sameId($0, push) }
        default:
            return false
        }
    }

    private static func uses(_ record: AuditRecord, template: String, kind: String) -> Bool {
        guard kind == "hook" else { return false }
        return sameId(record.string("template"), template) || record.objects("groups").contains { sameId($0["template"]?.stringValue, template) }
    }

    private static func has(_ record: AuditRecord, status: String, kind: String) -> Bool {
        switch kind {
        case "attempt":
            return sameId(record.string("outcome"), status) || record.value["status"]?.wholeText == status
        case "queued", "delivered", "dead", "deviceRemoved", "leaseLost":
            return kind == status
        case "exposure":
            return sameId(record.string("status"), status)
        case "rejected":
            return record.value["status"]?.wholeText == status
        default:
            return false
        }
    }
}
