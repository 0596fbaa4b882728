/// Composes the answer to a `_receiversOffline` call: selects the template, renders each
/// receiver's push under the template's policies, and plans the answer. Pure: everything
/// it knows comes in through its arguments.
public struct Composer: Sendable {
    public struct Options: Sendable {
        /// The locale of receivers the registry has none for.
        public var defaultLocale: String
        /// The built-in push's limit on the encoded payload, in UTF-8 bytes.
        public var maxPayloadBytes: Int
        /// A receiver whose template fails to render gets the default template's payload
        /// (true), or no push (false).
        public var failOpen: Bool
        /// The custom channel's limit on the encoded payload (the smallest of its
        /// providers'); nil when it has none. A `builtin: false` template's pushes are cut
        /// to it; a built-in template's, which may go either way, to the smaller of both.
        public var customPayloadBytes: Int?
        /// Whether experiments' pushes carry `_pc` (push id, experiment, variant) where
        /// their experiment asks for it; false leaves it out everywhere.
        public var experimentPayloadMember: Bool

        public init(
            defaultLocale: String = "en", maxPayloadBytes: Int = 3800, failOpen: Bool = true, customPayloadBytes: Int? = nil,
            experimentPayloadMember: Bool = true
        ) {
            self.defaultLocale = defaultLocale
            self.maxPayloadBytes = maxPayloadBytes
            self.failOpen = failOpen
            self.customPayloadBytes = customPayloadBytes
            self.experimentPayloadMember = experimentPayloadMember
        }

        /// The byte budget of a template's pushes.
        func payloadBytes(builtin: Bool) -> Int {
            guard let custom = customPayloadBytes else { return maxPayloadBytes }
            return builtin ? min(maxPayloadBytes, custom) : custom
        }
    }

    public var templates: any TemplateSelector
    public var registry: any RegistryLookup
    public var experiments: any ExperimentLookup
    public var options: Options

    public init(
        templates: any TemplateSelector, registry: any RegistryLookup = EmptyRegistry(),
        experiments: any ExperimentLookup = NoExperimentState(), options: Options = Options()
    ) {
        self.templates = templates
        self.registry = registry
        self.experiments = experiments
        self.options = options
    }

    /// - Parameters:
    ///   - call: the hook call's id, which the answer's `_pc` carries as its push id.
    ///   - now: seconds since 1970, for experiments' start and end; nil runs every experiment.
    public func compose(_ hook: ReceiversOfflineHook, call: String = "", now: Double? = nil) -> HookPlan {
        let content = MessageContent(parsing: hook.content)
        let conversationEntry = registry.conversation(hook.convId)
        let facts = MessageFacts(
            conversationId: hook.convId, isSystemConversation: conversationEntry?.system ?? false, content: content)
        let selected = templates.template(for: facts)
        // Outside its time an experiment's template sends its control variant.
        let running = selected.experiment.flatMap { $0.isRunning(at: now) ? $0 : nil }
        let template = running == nil ? (selected.experiment.map { $0.variants[$0.controlIndex].template } ?? selected) : selected
        let message = MessageRendering(
            hook: hook, content: content,
            sender: RenderInput.Party(id: hook.fromPeer, name: registry.client(hook.fromPeer)?.name ?? hook.fromPeer),
            conversation: RenderInput.Party(id: hook.convId, name: conversationEntry?.name ?? hook.convId),
            maxPayloadBytes: options.payloadBytes(builtin: template.policy.builtin))

        let receivers = Self.unique(hook.offlinePeers)
        // Mentions are usually a few names: scanning them beats hashing every receiver.
        let mentionedPeers = hook.mentionOfflinePeers.count > 8 ? Set(hook.mentionOfflinePeers) : []
        func isMentioned(_ receiver: String) -> Bool {
            mentionedPeers.isEmpty ? hook.mentionOfflinePeers.contains(receiver) : mentionedPeers.contains(receiver)
        }
        func mention(of receiver: String) -> Mention {
            if isMentioned(receiver) { return .you }
            return hook.mentionAll ? .all : .none
        }

        var pushed = receivers
        var excluded: [String] = []
        if let threshold = template.policy.mentionOnlyAbove, receivers.count > threshold {
            pushed = []
            for receiver in receivers {
                if mention(of: receiver).isMentioned { pushed.append(receiver) } else { excluded.append(receiver) }
            }
        }

        // With one receiver the answer goes to them alone: a personal payload needs no stand-in.
        let shared = pushed.count > 1
        let assignment = running.map { ExperimentAssignment($0, lookup: experiments, conversation: hook.convId) }
        var variantRenders: [TemplateRenders] = []
        // Read once per call: reading them through `running` per receiver copied the variant.
        let variantPolicies = running?.variants.map(\.template.policy) ?? []
        let variantNames = running?.variants.map(\.name) ?? []
        if let running {
            let tags = running.tagsPayload && options.experimentPayloadMember
            variantRenders = running.variants.map { variant in
                TemplateRenders(
                    variant.template, message: message, shared: shared,
                    tag: tags ? (key: TemplateExperiment.payloadMember, value: TemplateExperiment.tag(id: call, experiment: running.name, variant: variant.name)) : nil)
            }
        }
        var renders = TemplateRenders(template, message: message, shared: shared)
        var fallbackRenders = TemplateRenders(templates.defaultTemplate, message: message, shared: shared)
        var pushes: [ReceiverPush] = []
        pushes.reserveCapacity(pushed.count)
        var failures: [RenderFailure] = []
        let templateName = template.name

        for receiver in pushed {
            let entry = registry.client(receiver)
            let receiverMention = mention(of: receiver)
            let input = RenderInput.Receiver(
                id: receiver, name: entry?.name ?? receiver, locale: entry?.locale ?? options.defaultLocale,
                mention: receiverMention)
            var variant: Int?
            if let assignment { variant = assignment.assign(receiver) }
            let policy = variant.map { variantPolicies[$0] } ?? template.policy
            let force = policy.forceOnMute.forces(mentioned: receiverMention.isMentioned)
            func push(_ rendered: RenderedPayload, from template: String, variant: String?) {
                pushes.append(
                    ReceiverPush(
                        receiver: receiver, payload: rendered.payload, force: force, mention: receiverMention,
                        template: template, locale: rendered.locale, unnamedPayload: rendered.unnamedPayload, variant: variant))
            }

            let result = variant.map { variantRenders[$0].render(for: input) } ?? renders.render(for: input)
            switch result {
            case .success(let rendered):
                push(rendered, from: templateName, variant: variant.map { variantNames[$0] })
            case .failure(let error):
                var fellBack: String?
                if options.failOpen, case .success(let rendered) = fallbackRenders.render(for: input) {
                    fellBack = fallbackRenders.template.name
                    push(rendered, from: fallbackRenders.template.name, variant: nil)
                }
                if fellBack == nil { excluded.append(receiver) }
                failures.append(
                    RenderFailure(receiver: receiver, template: templateName, reason: error.description, fellBackTo: fellBack))
            }
        }

        var plan = PushPlanner.plan(
            pushes: pushes, requested: hook.offlinePeers, template: template.name, builtin: template.policy.builtin,
            excluded: excluded, renderFailures: failures, muted: registry.mutedClients(conversation: hook.convId),
            hasCustomChannel: registry.hasCustomChannel)
        plan.content = content
        if let running, let assignment {
            plan.experiment = ExperimentPlan.make(experiment: running.name, unit: running.unit, assigned: assignment.assigned, plan: plan)
        }
        return plan
    }

    static func unique(_ peers: [String]) -> [String] {
        if peers.count < 2 { return peers }
        var seen = Set<String>()
        seen.reserveCapacity(peers.count)
        return peers.filter { seen.insert($0).inserted }
    }
}
