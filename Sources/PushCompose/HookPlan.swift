/// What the composer decided for one `_receiversOffline` call: the answer, and why.
public struct HookPlan: Sendable, Equatable {
    /// The receivers whose pushes went into the answer with a coarser push than their
    /// template asked for (another payload, or no `force`), with the group they wanted.
    public struct Coalesced: Sendable, Equatable {
        public var receiver: String
        public var wantedGroup: Int
        public init(receiver: String, wantedGroup: Int) {
            self.receiver = receiver
            self.wantedGroup = wantedGroup
        }
    }

    /// A receiver whose push goes through the service's own channel, with its group.
    public struct CustomPush: Sendable, Equatable {
        public var receiver: String
        public var group: Int
        public init(receiver: String, group: Int) {
            self.receiver = receiver
            self.group = group
        }
    }

    public var answer: ReceiversOfflineAnswer
    /// The template selected for the message.
    public var template: String
    public var groups: [PushGroup]
    /// The index in `groups` whose payload the answer carries (its `unnamedPayload` when
    /// `depersonalized` names the group's receivers); nil when it carries none.
    public var answeredGroup: Int?
    public var coalesced: [Coalesced]
    /// Receivers not pushed by decision: mention-only mode, or a failed render with fail-open off.
    public var excluded: [String]
    public var renderFailures: [RenderFailure]
    /// Receivers sent through the service's own channel (`PushRouter`).
    public var custom: [CustomPush] = []
    /// Receivers of a `builtin: false` template who have no device to send to.
    public var undeliverable: [String] = []
    /// The message as the composer read it (kind, text), for the audit record.
    public var content: MessageContent?
    /// The requested receivers who muted the conversation, forced through or not, in
    /// the request's order: what the registry said, for the audit record.
    public var muted: [String] = []
    /// Receivers who muted the conversation and are not forced: the built-in push skips
    /// those in the answer, and the custom channel is not sent to.
    public var mutedUnforced: [String] = []
    /// Receivers whose push names them (the template uses `receiver.id` or
    /// `receiver.name`) and who are answered with another payload, one that names no one:
    /// a payload that names its receiver is answered only to receivers who asked for that
    /// very payload, so when the answer also goes to others it carries the answered
    /// group's template rendered without a receiver (`PushGroup.unnamedPayload`).
    public var depersonalized: [String] = []
    /// The experiment of the selected template, when it ran for this call.
    public var experiment: ExperimentPlan?

    public init(
        answer: ReceiversOfflineAnswer, template: String, groups: [PushGroup], answeredGroup: Int?,
        coalesced: [Coalesced], excluded: [String], renderFailures: [RenderFailure]
    ) {
        self.answer = answer
        self.template = template
        self.groups = groups
        self.answeredGroup = answeredGroup
        self.coalesced = coalesced
        self.excluded = excluded
        self.renderFailures = renderFailures
    }
}
