import Experiments
import PushCompose

/// A template ready to render: inheritance applied, Mustache compiled, and the payload
/// of every (locale, mention) combination merged once at load.
///
/// A class: the composer holds templates as `any PushTemplate`, and putting a struct of
/// this many references into an existential copied and retained each one, per call.
public final class CompiledTemplate: PushTemplate {
    public let name: String
    public let file: String
    /// The line the template's definition starts on, for problems about it as a whole.
    public let line: Int
    public let isDefault: Bool
    public let priority: Int
    public let policy: PushPolicy
    public let dependsOnReceiverIdentity: Bool
    public let namesReceiver: Bool
    let match: MatchRule
    public let experiment: TemplateExperiment?
    /// The experiment as the report reads it.
    public let experimentDesign: ExperimentDesign?

    private struct LayerKey: Hashable {
        var locale: String?  // as written; nil for the default language
        var mention: Mention
    }
    private let layers: [LayerKey: [(key: String, value: PayloadValue)]]
    /// Normalized tag → tag as written, for the locales that have payload blocks.
    private let payloadLocales: [String: String]
    /// Normalized tag ("" for the default language) → placeholder key → text.
    private let placeholders: [String: [String: String]]

    /// Shown when no template in the chain names a placeholder for a kind.
    static let builtinPlaceholders: [String: String] = [
        "image": "[Image]", "audio": "[Voice message]", "video": "[Video]", "location": "[Location]",
        "file": "[File]", "recalled": "[Message recalled]", "app": "[Message]", "unknown": "[Message]",
        "private": "[New message]",
    ]

    /// - Parameter experiment: the experiment the definition declares, its variants compiled.
    init(
        _ definition: TemplateDefinition, inheriting base: TemplateDefinition?, basePolicy: PushPolicy,
        experiment: TemplateExperiment? = nil
    ) {
        self.experiment = experiment
        experimentDesign = experiment == nil ? nil : definition.experiment?.design
        name = definition.name
        file = definition.file
        line = definition.line
        isDefault = definition.isDefault
        priority = definition.priority
        match = definition.match
        let parentPolicy = base.map { $0.policy.applied(to: basePolicy) } ?? basePolicy
        policy = definition.policy.applied(to: parentPolicy)

        var mergedPlaceholders: [String: [String: String]] = [:]
        for (tag, values) in base?.placeholders ?? [:] {
            mergedPlaceholders[LocaleChain.normalize(tag), default: [:]].merge(values) { _, new in new }
        }
        for (tag, values) in definition.placeholders {
            mergedPlaceholders[LocaleChain.normalize(tag), default: [:]].merge(values) { _, new in new }
        }
        placeholders = mergedPlaceholders

        // A template without payload blocks renders the default template's.
        let blocks = definition.blocks.isEmpty ? (base?.blocks ?? [:]) : definition.blocks
        var locales: [String: String] = [:]
        var byLocale: [String: TemplateDefinition.Blocks] = [:]
        for (tag, value) in blocks {
            let key = LocaleChain.normalize(tag)
            byLocale[key] = value
            if !tag.isEmpty { locales[key] = tag }
        }
        payloadLocales = locales

        var layers: [LayerKey: [(key: String, value: PayloadValue)]] = [:]
        for locale in [nil] + locales.keys.map(Optional.some) {
            // General to specific: the default language, then each defined prefix of the tag.
            let chain = [""] + (locale.map { LocaleChain.chain($0).reversed().filter { byLocale[$0] != nil } } ?? [])
            for mention in [Mention.none, .you, .all] {
                var merged: [(key: String, value: PayloadValue)] = []
                func overlay(_ members: [(key: String, value: PayloadValue)]?) {
                    for member in members ?? [] {
                        if let index = merged.firstIndex(where: { $0.key == member.key }) {
                            merged[index].value = member.value
                        } else {
                            merged.append(member)
                        }
                    }
                }
                chain.forEach { overlay(byLocale[$0]?.push) }
                if mention != .none { chain.forEach { overlay(byLocale[$0]?.mention) } }
                if mention == .all { chain.forEach { overlay(byLocale[$0]?.mentionAll) } }
                layers[LayerKey(locale: locale.flatMap { locales[$0] }, mention: mention)] = merged
            }
        }
        self.layers = layers
        // Placeholders are shown as written, never rendered: only payload texts can name the receiver.
        let texts = layers.values.flatMap { members in members.flatMap(\.value.texts) }
        namesReceiver = texts.contains(where: \.namesReceiver)
        dependsOnReceiverIdentity = namesReceiver || texts.contains(where: \.dependsOnReceiverIdentity)
    }

    func matches(_ facts: MessageFacts) -> Bool { match.matches(facts) }

    public func resolvedLocale(for locale: String) -> String? {
        LocaleChain.chain(locale).first { payloadLocales[$0] != nil }.flatMap { payloadLocales[$0] }
    }

    public func placeholder(for kind: MessageKind?, locale: String) -> String {
        var keys: [String] = []
        switch kind {
        case nil: keys = ["private"]
        case .app(let code)?: keys = [String(code), "app"]
        case .unknown(let code)?: keys = [String(code), "unknown", "app"]
        case let kind?: keys = [kind.name]
        }
        for tag in LocaleChain.chain(locale) + [""] {
            guard let values = placeholders[tag] else { continue }
            for key in keys {
                if let text = values[key] { return text }
            }
        }
        for key in keys {
            if let text = Self.builtinPlaceholders[key] { return text }
        }
        return "[Message]"
    }

    public func render(_ input: RenderInput, locale: String?) throws -> [(key: String, value: JSONValue)] {
        let members = layers[LayerKey(locale: locale, mention: input.receiver.mention)] ?? []
        let context = RenderContext(input: input)
        return members.map { (key: $0.key, value: $0.value.render(context)) }
    }

    /// The locale tags that have payload blocks, as written.
    public var localeTags: [String] { payloadLocales.values.sorted() }
}
