/// One template's renders for one message. Receivers alike in everything the template
/// reads — mention, the template's locale and placeholder for them, and their identity
/// when the template uses it — share one render, so a call to 10,000 receivers renders
/// a handful of payloads.
struct TemplateRenders {
    private struct Key: Hashable {
        var mention: Mention
        var locale: String?
        /// The placeholder shown instead of the text: it follows the receiver's locale
        /// chain, which can differ where the payload's locale does not.
        var placeholder: String?
        var identity: String?
    }

    let template: any PushTemplate
    private let message: MessageRendering
    private let personal: Bool
    /// The template names its receiver and the answer may go to several receivers: each
    /// render comes with the render without a receiver that the others may be sent.
    private let rendersUnnamed: Bool
    /// Added to every payload: an experiment's `_pc`.
    private let tag: (key: String, value: JSONValue)?
    /// A receiver's locale → the template's locale and placeholder; few distinct per call.
    private var locales = RecentFirstMemo<String, (locale: String?, placeholder: String?)>()
    private var renders = RecentFirstMemo<Key, Result<RenderedPayload, RenderError>>()
    private var unnamedRenders = RecentFirstMemo<Key, Result<RenderedPayload, RenderError>>()

    /// - Parameter shared: whether one payload may be answered to several receivers (the
    ///   call pushes more than one).
    init(_ template: any PushTemplate, message: MessageRendering, shared: Bool, tag: (key: String, value: JSONValue)? = nil) {
        self.template = template
        self.tag = tag
        self.message = message
        personal = template.dependsOnReceiverIdentity || template.namesReceiver
        rendersUnnamed = shared && template.namesReceiver
    }

    /// The receiver's payload, with `unnamedPayload` when the template names its receiver
    /// and the payload may be shared; a failure of either render fails the push.
    mutating func render(for receiver: RenderInput.Receiver) -> Result<RenderedPayload, RenderError> {
        let resolved = resolve(receiver.locale)
        let key = Key(
            mention: receiver.mention, locale: resolved.locale, placeholder: resolved.placeholder,
            identity: personal ? receiver.id : nil)
        if let known = renders.value(for: key) {
            return rendersUnnamed ? addingUnnamed(to: known, for: receiver, resolved) : known
        }
        let result = message.render(template, for: receiver, locale: resolved.locale, placeholder: resolved.placeholder, tag: tag)
        renders.remember(result, for: key)
        // Kept apart from the common path above, which runs once per receiver.
        return rendersUnnamed ? addingUnnamed(to: result, for: receiver, resolved) : result
    }

    private mutating func resolve(_ locale: String) -> (locale: String?, placeholder: String?) {
        if let known = locales.value(for: locale) { return known }
        let resolved = (template.resolvedLocale(for: locale), placeholder(locale: locale))
        locales.remember(resolved, for: locale)
        return resolved
    }

    @inline(never)
    private mutating func addingUnnamed(
        to result: Result<RenderedPayload, RenderError>, for receiver: RenderInput.Receiver,
        _ resolved: (locale: String?, placeholder: String?)
    ) -> Result<RenderedPayload, RenderError> {
        guard case .success(var rendered) = result else { return result }
        // Without a receiver only the receiver's locale is left of their identity.
        let key = Key(
            mention: receiver.mention, locale: resolved.locale, placeholder: resolved.placeholder, identity: receiver.locale)
        let unnamed: Result<RenderedPayload, RenderError>
        if let known = unnamedRenders.value(for: key) {
            unnamed = known
        } else {
            unnamed = message.render(template, for: receiver.unnamed, locale: resolved.locale, placeholder: resolved.placeholder, tag: tag)
            unnamedRenders.remember(unnamed, for: key)
        }
        switch unnamed {
        case .success(let shared):
            rendered.unnamedPayload = shared.payload
            return .success(rendered)
        case .failure(let error):
            return .failure(RenderError("rendered without a receiver: \(error.description)"))
        }
    }

    /// A placeholder replaces the text for non-text kinds and under privacy.
    private func placeholder(locale: String) -> String? {
        if template.policy.privacy { return template.placeholder(for: nil, locale: locale) }
        let kind = message.content.kind
        return kind.showsText ? nil : template.placeholder(for: kind, locale: locale)
    }
}
