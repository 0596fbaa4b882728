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
    /// The last receiver's lookups, then the earlier ones: receivers come in runs alike
    /// in locale and mention, so comparing with the last one is usually enough, and a
    /// call whose receivers are all alike never builds (allocates) the tables.
    private var lastLocale: (receiver: String, resolved: (locale: String?, placeholder: String?))?
    /// A receiver's locale → the template's locale and placeholder; few distinct per call.
    private var earlierLocales: [String: (locale: String?, placeholder: String?)] = [:]
    private var lastRender: (key: Key, result: Result<RenderedPayload, RenderError>)?
    private var earlierRenders: [Key: Result<RenderedPayload, RenderError>] = [:]

    init(_ template: any PushTemplate, message: MessageRendering) {
        self.template = template
        self.message = message
        personal = template.dependsOnReceiverIdentity
    }

    mutating func render(for receiver: RenderInput.Receiver) -> Result<RenderedPayload, RenderError> {
        let resolved: (locale: String?, placeholder: String?)
        if let last = lastLocale, last.receiver == receiver.locale {
            resolved = last.resolved
        } else {
            if let last = lastLocale { earlierLocales[last.receiver] = last.resolved }
            resolved = earlierLocales[receiver.locale]
                ?? (template.resolvedLocale(for: receiver.locale), placeholder(locale: receiver.locale))
            lastLocale = (receiver.locale, resolved)
        }
        let key = Key(
            mention: receiver.mention, locale: resolved.locale, placeholder: resolved.placeholder,
            identity: personal ? receiver.id : nil)
        if let last = lastRender, last.key == key { return last.result }
        if let last = lastRender { earlierRenders[last.key] = last.result }
        let result = earlierRenders[key]
            ?? message.render(template, for: receiver, locale: resolved.locale, placeholder: resolved.placeholder)
        lastRender = (key, result)
        return result
    }

    /// A placeholder replaces the text for non-text kinds and under privacy.
    private func placeholder(locale: String) -> String? {
        if template.policy.privacy { return template.placeholder(for: nil, locale: locale) }
        let kind = message.content.kind
        return kind.showsText ? nil : template.placeholder(for: kind, locale: locale)
    }
}
