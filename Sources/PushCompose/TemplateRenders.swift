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
    /// A receiver's locale → the template's locale and placeholder; few distinct per call.
    private var locales = RecentFirstMemo<String, (locale: String?, placeholder: String?)>()
    private var renders = RecentFirstMemo<Key, Result<RenderedPayload, RenderError>>()

    init(_ template: any PushTemplate, message: MessageRendering) {
        self.template = template
        self.message = message
        personal = template.dependsOnReceiverIdentity
    }

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
        if let known = renders.value(for: key) { return known }
        let result = message.render(template, for: receiver, locale: resolved.locale, placeholder: resolved.placeholder)
        renders.remember(result, for: key)
        return result
    }

    /// A placeholder replaces the text for non-text kinds and under privacy.
    private func placeholder(locale: String) -> String? {
        if template.policy.privacy { return template.placeholder(for: nil, locale: locale) }
        let kind = message.content.kind
        return kind.showsText ? nil : template.placeholder(for: kind, locale: locale)
    }
}
