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
    /// A receiver's locale → the template's locale and placeholder; few distinct per call.
    private var locales = RecentFirstMemo<String, (locale: String?, placeholder: String?)>()
    private var renders = RecentFirstMemo<Key, Result<RenderedPayload, RenderError>>()
    private var unnamedRenders = RecentFirstMemo<Key, Result<RenderedPayload, RenderError>>()

    /// - Parameter shared: whether one payload may be answered to several receivers (the
    ///   call pushes more than one).
    init(_ template: any PushTemplate, message: MessageRendering, shared: Bool) {
        self.template = template
        self.message = message
        personal = template.dependsOnReceiverIdentity || template.namesReceiver
        rendersUnnamed = shared && template.namesReceiver
    }

    /// The receiver's payload, with `unnamedPayload` when the template names its receiver
    /// and the payload may be shared; a failure of either render fails the push.
    mutating func render(for receiver: RenderInput.Receiver) -> Result<RenderedPayload, RenderError> {
        let resolved: (locale: String?, placeholder: String?)
        if let known = locales.value(for: receiver.locale) {
            resolved = known
        } else {
            resolved = (template.resolvedLocale(for: receiver.locale), placeholder(locale: receiver.locale))
            locales.remember(resolved, for: receiver.locale)
        }
        let key = Key(
            mention: receiver.mention, locale: resolved.locale, placeholder: resolved.placeholder,
            identity: personal ? receiver.id : nil)
        let result: Result<RenderedPayload, RenderError>
        if let known = renders.value(for: key) {
            result = known
        } else {
            result = message.render(template, for: receiver, locale: resolved.locale, placeholder: resolved.placeholder)
            renders.remember(result, for: key)
        }
        guard rendersUnnamed, case .success(var rendered) = result else { return result }

        // Without a receiver only the receiver's locale is left of their identity.
        let unnamedKey = Key(
            mention: receiver.mention, locale: resolved.locale, placeholder: resolved.placeholder, identity: receiver.locale)
        let unnamed: Result<RenderedPayload, RenderError>
        if let known = unnamedRenders.value(for: unnamedKey) {
            unnamed = known
        } else {
            unnamed = message.render(template, for: receiver.unnamed, locale: resolved.locale, placeholder: resolved.placeholder)
            unnamedRenders.remember(unnamed, for: unnamedKey)
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
