/// Composes the answer to a `_receiversOffline` call: selects the template, renders each
/// receiver's push under the template's policies, and plans the answer. Pure: everything
/// it knows comes in through its arguments.
public struct Composer: Sendable {
    public struct Options: Sendable {
        /// The locale of receivers the directory has none for.
        public var defaultLocale: String
        /// The built-in push's limit on the encoded payload, in UTF-8 bytes.
        public var maxPayloadBytes: Int
        /// A receiver whose template fails to render gets the default template's payload
        /// (true), or no push (false).
        public var failOpen: Bool

        public init(defaultLocale: String = "en", maxPayloadBytes: Int = 3800, failOpen: Bool = true) {
            self.defaultLocale = defaultLocale
            self.maxPayloadBytes = maxPayloadBytes
            self.failOpen = failOpen
        }
    }

    public var catalog: any PushTemplateCatalog
    public var directory: any ComposeDirectory
    public var options: Options

    public init(catalog: any PushTemplateCatalog, directory: any ComposeDirectory = EmptyDirectory(), options: Options = Options()) {
        self.catalog = catalog
        self.directory = directory
        self.options = options
    }

    public func compose(_ hook: ReceiversOfflineHook) -> HookPlan {
        let content = MessageContent(parsing: hook.content)
        let conversationEntry = directory.conversation(hook.convId)
        let facts = MessageFacts(
            conversationId: hook.convId, isSystemConversation: conversationEntry?.system ?? false, content: content)
        let template = catalog.template(for: facts)
        let message = MessageRendering(
            hook: hook, content: content,
            sender: RenderInput.Party(id: hook.fromPeer, name: directory.client(hook.fromPeer)?.name ?? hook.fromPeer),
            conversation: RenderInput.Party(id: hook.convId, name: conversationEntry?.name ?? hook.convId),
            maxPayloadBytes: options.maxPayloadBytes)

        let receivers = Self.unique(hook.offlinePeers)
        let mentionedPeers = Set(hook.mentionOfflinePeers)
        func mention(of receiver: String) -> Mention {
            if mentionedPeers.contains(receiver) { return .you }
            return hook.mentionAll ? .all : .none
        }

        var pushed = receivers
        var excluded: [String] = []
        if let threshold = template.policy.mentionOnlyAbove, receivers.count > threshold {
            pushed = receivers.filter { mention(of: $0).isMentioned }
            excluded = receivers.filter { !mention(of: $0).isMentioned }
        }

        // Receivers alike in everything the template reads share one render.
        struct RenderKey: Hashable {
            var mention: Mention
            var locale: String?
            var identity: String?
        }
        var renders: [RenderKey: Result<RenderedPayload, RenderError>] = [:]
        var fallbackRenders: [RenderKey: Result<RenderedPayload, RenderError>] = [:]
        // A receiver's locale → the template's locale for it; few distinct values per call.
        var resolvedLocales: [String: String?] = [:]
        var fallbackLocales: [String: String?] = [:]
        var pushes: [ReceiverPush] = []
        pushes.reserveCapacity(pushed.count)
        var failures: [RenderFailure] = []
        let personal = template.dependsOnReceiverIdentity

        for receiver in pushed {
            let entry = directory.client(receiver)
            let locale = entry?.locale ?? options.defaultLocale
            let receiverMention = mention(of: receiver)
            let input = RenderInput.Receiver(
                id: receiver, name: entry?.name ?? receiver, locale: locale, mention: receiverMention)
            let force = template.policy.forceOnMute.forces(mentioned: receiverMention.isMentioned)

            let resolved: String?
            if let cached = resolvedLocales[locale] {
                resolved = cached
            } else {
                resolved = template.resolvedLocale(for: locale)
                resolvedLocales[locale] = .some(resolved)
            }
            let key = RenderKey(mention: receiverMention, locale: resolved, identity: personal ? receiver : nil)
            let result: Result<RenderedPayload, RenderError>
            if let cached = renders[key] {
                result = cached
            } else {
                result = message.render(template, for: input)
                renders[key] = result
            }
            switch result {
            case .success(let rendered):
                pushes.append(
                    ReceiverPush(
                        receiver: receiver, payload: rendered.payload, force: force, mention: receiverMention,
                        template: template.name, locale: rendered.locale))
            case .failure(let error):
                let fallback = catalog.defaultTemplate
                var fellBack: String?
                if options.failOpen {
                    let fallbackResolved: String?
                    if let cached = fallbackLocales[locale] {
                        fallbackResolved = cached
                    } else {
                        fallbackResolved = fallback.resolvedLocale(for: locale)
                        fallbackLocales[locale] = .some(fallbackResolved)
                    }
                    let fallbackKey = RenderKey(
                        mention: receiverMention, locale: fallbackResolved,
                        identity: fallback.dependsOnReceiverIdentity ? receiver : nil)
                    let fallbackResult: Result<RenderedPayload, RenderError>
                    if let cached = fallbackRenders[fallbackKey] {
                        fallbackResult = cached
                    } else {
                        fallbackResult = message.render(fallback, for: input)
                        fallbackRenders[fallbackKey] = fallbackResult
                    }
                    if case .success(let rendered) = fallbackResult {
                        fellBack = fallback.name
                        pushes.append(
                            ReceiverPush(
                                receiver: receiver, payload: rendered.payload, force: force, mention: receiverMention,
                                template: fallback.name, locale: rendered.locale))
                    }
                }
                if fellBack == nil { excluded.append(receiver) }
                failures.append(
                    RenderFailure(receiver: receiver, template: template.name, reason: error.description, fellBackTo: fellBack))
            }
        }

        var plan = PushPlanner.plan(
            pushes: pushes, requested: hook.offlinePeers, template: template.name, builtin: template.policy.builtin,
            excluded: excluded, renderFailures: failures)
        plan.content = content
        return plan
    }

    static func unique(_ peers: [String]) -> [String] {
        var seen = Set<String>()
        seen.reserveCapacity(peers.count)
        return peers.filter { seen.insert($0).inserted }
    }
}
