import PushCompose

/// Lint's last step: render a template against a message of every kind, for every
/// locale and mention it has, and report what fails or does not fit the byte budget.
enum TemplateRenderCheck {
    private struct OnlyTemplate: TemplateSelector {
        let template: CompiledTemplate
        var defaultTemplate: any PushTemplate { template }
        func template(for message: MessageFacts) -> any PushTemplate { template }
    }

    private struct LocaleRegistry: RegistryLookup {
        let locales: [String: String]
        func client(_ id: String) -> ClientEntry? { ClientEntry(name: "Sample \(id)", locale: locales[id]) }
        func conversation(_ id: String) -> ConversationEntry? { ConversationEntry(name: "Sample conversation") }
        func mutedClients(conversation: String) -> Set<String> { [] }
    }

    /// Every unit gets `variant`.
    private struct ForcedVariant: ExperimentLookup {
        let variant: String?
        func override(experiment: String, unit: String) -> String? { variant }
        func adaptiveWeights(experiment: String) -> [String: Double]? { nil }
    }

    static let sampleContents: [String] = [
        "plain text",
        #"{"_lctype":-1,"_lctext":"Hello 👨‍👩‍👧 \"quoted\" {{braces}}"}"#,
        #"{"_lctype":-2,"_lcfile":{"url":"https://example.com/a.png"}}"#,
        #"{"_lctype":-3}"#, #"{"_lctype":-4}"#, #"{"_lctype":-5}"#, #"{"_lctype":-6}"#, #"{"_lctype":-127}"#,
        #"{"_lctype":1,"_lctext":"custom","_lcattrs":{"k":"v"}}"#,
        String(repeating: "长", count: 5000),
    ]

    static func problems(of template: CompiledTemplate, options: Composer.Options) -> [LintProblem] {
        let locales = [options.defaultLocale] + template.localeTags
        var receiverLocales: [String: String] = [:]
        for (index, locale) in locales.enumerated() {
            receiverLocales["r\(index)-plain"] = locale
            receiverLocales["r\(index)-mentioned"] = locale
        }
        var strict = options
        strict.failOpen = false
        // Each variant of an experiment in turn, forced on every receiver, with its `_pc`.
        let variants: [String?] = template.experiment?.variants.map(\.name) ?? [nil]
        var problems: [LintProblem] = []
        for variant in variants {
            let composer = Composer(
                templates: OnlyTemplate(template: template), registry: LocaleRegistry(locales: receiverLocales),
                experiments: ForcedVariant(variant: variant), options: strict)
            var reasons: [String] = []
            for content in sampleContents {
                for mentionAll in [false, true] {
                    let hook = ReceiversOfflineHook(
                        fromPeer: "sender", convId: "conversation", offlinePeers: receiverLocales.keys.sorted(), content: content,
                        timestamp: 1_700_000_000_000, mentionAll: mentionAll,
                        mentionOfflinePeers: receiverLocales.keys.filter { $0.hasSuffix("mentioned") })
                    let plan = composer.compose(hook, call: "00000000-0000-4000-8000-000000000000")
                    for failure in plan.renderFailures where !reasons.contains(failure.reason) {
                        reasons.append(failure.reason)
                    }
                }
            }
            let subject = variant.map { "template '\(template.name)', variant '\($0)'," } ?? "template '\(template.name)'"
            problems += reasons.map { LintProblem(file: template.file, line: template.line, reason: "\(subject) fails to render: \($0)") }
        }
        return problems
    }
}
