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
            /// The placeholder shown instead of the text: it follows the receiver's locale
            /// chain, which can differ where the payload's locale does not.
            var placeholder: String?
        }
        // A placeholder replaces the text for non-text kinds and under privacy.
        func placeholder(of template: any PushTemplate, locale: String) -> String? {
            if template.policy.privacy { return template.placeholder(for: nil, locale: locale) }
            return content.kind.showsText ? nil : template.placeholder(for: content.kind, locale: locale)
        }
        var renders: [RenderKey: Result<RenderedPayload, RenderError>] = [:]
        var fallbackRenders: [RenderKey: Result<RenderedPayload, RenderError>] = [:]
        // A receiver's locale → the template's locale and placeholder for it; few distinct values per call.
        var resolvedLocales: [String: (locale: String?, placeholder: String?)] = [:]
        var fallbackLocales: [String: (locale: String?, placeholder: String?)] = [:]
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

            let resolved: (locale: String?, placeholder: String?)
            if let cached = resolvedLocales[locale] {
                resolved = cached
            } else {
                resolved = (template.resolvedLocale(for: locale), placeholder(of: template, locale: locale))
                resolvedLocales[locale] = resolved
            }
            let key = RenderKey(
                mention: receiverMention, locale: resolved.locale, identity: personal ? receiver : nil,
                placeholder: resolved.placeholder)
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
                    let fallbackResolved: (locale: String?, placeholder: String?)
                    if let cached = fallbackLocales[locale] {
                        fallbackResolved = cached
                    } else {
                        fallbackResolved = (fallback.resolvedLocale(for: locale), placeholder(of: fallback, locale: locale))
                        fallbackLocales[locale] = fallbackResolved
                    }
                    let fallbackKey = RenderKey(
                        mention: receiverMention, locale: fallbackResolved.locale,
                        identity: fallback.dependsOnReceiverIdentity ? receiver : nil, placeholder: fallbackResolved.placeholder)
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
        if plan.answer.skip != true, plan.answer.force != true {
            let muted = directory.mutedClients(conversation: hook.convId)
            if !muted.isEmpty { plan.mutedUnforced = pushes.map(\.receiver).filter(muted.contains) }
        }
        return plan
    }

    static func unique(_ peers: [String]) -> [String] {
        var seen = Set<String>()
        seen.reserveCapacity(peers.count)
        return peers.filter { seen.insert($0).inserted }
    }
}
