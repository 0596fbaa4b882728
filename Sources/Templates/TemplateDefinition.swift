import PushCompose
import Yams

/// A template file as written, before inheritance from the default template and compilation.
struct TemplateDefinition: Sendable {
    /// The payload blocks of one language.
    struct Blocks: Sendable {
        var push: [(key: String, value: PayloadValue)]?
        var mention: [(key: String, value: PayloadValue)]?
        var mentionAll: [(key: String, value: PayloadValue)]?
    }

    struct PolicyOverrides: Sendable {
        var truncate: Int?
        var ellipsis: String?
        var badge: PushPolicy.Badge?
        var forceOnMute: ForceOnMute?
        var privacy: Bool?
        var mentionOnlyAbove: Int?
        var builtin: Bool?

        func applied(to base: PushPolicy) -> PushPolicy {
            var policy = base
            if let truncate { policy.truncate = truncate }
            if let ellipsis { policy.ellipsis = ellipsis }
            if let badge { policy.badge = badge }
            if let forceOnMute { policy.forceOnMute = forceOnMute }
            if let privacy { policy.privacy = privacy }
            if let mentionOnlyAbove { policy.mentionOnlyAbove = mentionOnlyAbove }
            if let builtin { policy.builtin = builtin }
            return policy
        }
    }

    var file: String
    var line: Int
    var name: String
    var isDefault = false
    var priority = 0
    var match = MatchRule()
    var policy = PolicyOverrides()
    /// Placeholders by locale tag ("" for the template's default language), then by kind.
    var placeholders: [String: [String: String]] = [:]
    /// Payload blocks by locale tag ("" for the default language); empty when the file
    /// defines no payload and takes the default template's.
    var blocks: [String: Blocks] = [:]
    var experiment: ExperimentDefinition?

    /// What a template and a variant both may say.
    static let contentKeys: Set<String> = ["policy", "placeholders", "push", "mention", "mentionAll", "locales"]
    static let topLevelKeys: Set<String> = contentKeys.union(["name", "default", "priority", "match", "experiment"])
    static let matchKeys: Set<String> = ["conversations", "system", "kinds", "types", "attrs"]
    static let policyKeys: Set<String> = ["truncate", "ellipsis", "badge", "force", "privacy", "mentionOnlyAbove", "builtin"]
    static let localeKeys: Set<String> = ["placeholders", "push", "mention", "mentionAll"]
    /// Placeholder keys besides app type codes.
    static let placeholderKeys: Set<String> = MessageKind.names.subtracting(["text"]).union(["private"])

    /// Parses one file's text; problems go to `reader`.
    static func parse(yaml: String, file: String, defaultName: String, reader: inout YAMLReader) -> TemplateDefinition? {
        guard yaml.utf8.count <= TemplateLimits.maxFileBytes else {
            reader.problem(nil, TemplateLimits.fileTooLarge)
            return nil
        }
        let root: Node
        do {
            guard let node = try AnchorFreeYAML.compose(yaml) else {
                reader.problem(nil, "the file is empty")
                return nil
            }
            root = node
        } catch let error as AnchorFreeYAML.AnchorsFound {
            for line in error.lines {
                reader.problems.append(LintProblem(file: file, line: line, reason: anchorsAndAliases))
            }
            return nil
        } catch let error as YamlError {
            reader.problems.append(LintProblem(file: file, line: yamlErrorLine(error), reason: "YAML: \(yamlErrorReason(error))"))
            return nil
        } catch {
            reader.problem(nil, "YAML: \(error)")
            return nil
        }

        var definition = TemplateDefinition(file: file, line: root.mark?.line ?? 1, name: defaultName)
        for (key, node, _) in reader.mapping(root, at: "template", allowed: topLevelKeys) {
            switch key {
            case "name": if let name = reader.string(node, at: key) { definition.name = name }
            case "default": definition.isDefault = reader.bool(node, at: key) ?? false
            case "priority": definition.priority = reader.int(node, at: key) ?? 0
            case "match": definition.match = parseMatch(node, reader: &reader)
            case "experiment": definition.experiment = ExperimentDefinition.parse(node, reader: &reader)
            default: parseContent(key, node, at: key, into: &definition, reader: &reader)
            }
        }
        if !definition.blocks.isEmpty, definition.blocks[""]?.push == nil {
            reader.problem(root, "template '\(definition.name)' has payload blocks but no 'push' block")
        }
        return definition
    }

    /// The members a template and an experiment's variant both may have: policy,
    /// placeholders and payload blocks, by locale. `path` names `key` in problems.
    static func parseContent(_ key: String, _ node: Node, at path: String, into definition: inout TemplateDefinition, reader: inout YAMLReader) {
        switch key {
        case "policy": definition.policy = parsePolicy(node, at: path, reader: &reader)
        case "placeholders": definition.placeholders[""] = parsePlaceholders(node, at: path, reader: &reader)
        case "push": definition.blocks["", default: Blocks()].push = parsePayload(node, at: path, reader: &reader)
        case "mention": definition.blocks["", default: Blocks()].mention = parsePayload(node, at: path, reader: &reader)
        case "mentionAll": definition.blocks["", default: Blocks()].mentionAll = parsePayload(node, at: path, reader: &reader)
        case "locales":
            for (tag, localeNode, tagNode) in reader.mapping(node, at: path) {
                guard reader.withinLimit(of: TemplateLimits.maxLocales, "locales", adding: 1, at: tagNode) else { break }
                guard LocaleTag.isWellFormed(tag) else {
                    reader.problem(tagNode, "'\(tag)' is not a locale tag (such as en, zh-Hans or zh-Hant-TW)")
                    continue
                }
                let localePath = "\(path).\(tag)"
                var blocks = Blocks()
                for (blockKey, blockNode, _) in reader.mapping(localeNode, at: localePath, allowed: localeKeys) {
                    let blockPath = "\(localePath).\(blockKey)"
                    switch blockKey {
                    case "placeholders": definition.placeholders[tag] = parsePlaceholders(blockNode, at: blockPath, reader: &reader)
                    case "push": blocks.push = parsePayload(blockNode, at: blockPath, reader: &reader)
                    case "mention": blocks.mention = parsePayload(blockNode, at: blockPath, reader: &reader)
                    default: blocks.mentionAll = parsePayload(blockNode, at: blockPath, reader: &reader)
                    }
                }
                if blocks.push != nil || blocks.mention != nil || blocks.mentionAll != nil {
                    definition.blocks[tag] = blocks
                }
            }
        default: break
        }
    }

    /// This template with a variant's overrides laid over it: payload members replaced or
    /// added one by one, per locale and block; placeholders likewise; policy fields the
    /// variant sets. A template without payload blocks of its own takes `base`'s first.
    func overlaid(with variant: TemplateDefinition, base: TemplateDefinition?) -> TemplateDefinition {
        var result = self
        result.file = variant.file
        result.line = variant.line
        result.experiment = nil
        if result.blocks.isEmpty { result.blocks = base?.blocks ?? [:] }
        func merge(_ members: [(key: String, value: PayloadValue)]?, _ over: [(key: String, value: PayloadValue)]?) -> [(key: String, value: PayloadValue)]? {
            guard let over else { return members }
            var merged = members ?? []
            for member in over {
                if let index = merged.firstIndex(where: { $0.key == member.key }) { merged[index].value = member.value } else { merged.append(member) }
            }
            return merged
        }
        for (tag, blocks) in variant.blocks {
            var target = result.blocks[tag] ?? Blocks()
            target.push = merge(target.push, blocks.push)
            target.mention = merge(target.mention, blocks.mention)
            target.mentionAll = merge(target.mentionAll, blocks.mentionAll)
            result.blocks[tag] = target
        }
        for (tag, values) in variant.placeholders {
            result.placeholders[tag, default: [:]].merge(values) { _, new in new }
        }
        let over = variant.policy
        result.policy.truncate = over.truncate ?? policy.truncate
        result.policy.ellipsis = over.ellipsis ?? policy.ellipsis
        result.policy.badge = over.badge ?? policy.badge
        result.policy.forceOnMute = over.forceOnMute ?? policy.forceOnMute
        result.policy.privacy = over.privacy ?? policy.privacy
        return result
    }

    static func parseMatch(_ node: Node, reader: inout YAMLReader) -> MatchRule {
        var rule = MatchRule()
        for (key, value, _) in reader.mapping(node, at: "match", allowed: matchKeys) {
            let path = "match.\(key)"
            switch key {
            case "conversations": rule.conversations = reader.strings(value, at: path).map(ConversationPattern.init)
            case "system": rule.system = reader.bool(value, at: path)
            case "kinds":
                for kind in reader.strings(value, at: path) {
                    if MessageKind.names.contains(kind) {
                        rule.kinds.insert(kind)
                    } else {
                        reader.problem(value, "unknown kind '\(kind)' in '\(path)' (expected one of: \(MessageKind.names.sorted().joined(separator: ", ")))")
                    }
                }
            case "types": rule.types = Set(reader.ints(value, at: path))
            default:
                for (attr, values, _) in reader.mapping(value, at: path) {
                    rule.attrs.append((key: attr, values: reader.strings(values, at: "\(path).\(attr)")))
                }
            }
        }
        return rule
    }

    static func parsePolicy(_ node: Node, at policyPath: String, reader: inout YAMLReader) -> PolicyOverrides {
        var policy = PolicyOverrides()
        for (key, value, _) in reader.mapping(node, at: policyPath, allowed: policyKeys) {
            let path = "\(policyPath).\(key)"
            switch key {
            case "truncate": policy.truncate = reader.int(value, at: path, minimum: 1)
            case "ellipsis": policy.ellipsis = reader.string(value, at: path)
            case "badge":
                if let text = reader.string(value, at: path) {
                    policy.badge = PushPolicy.Badge(rawValue: text)
                    if policy.badge == nil { reader.problem(value, "'\(path)' must be one of: increment, none") }
                }
            case "force":
                if let text = reader.string(value, at: path) {
                    policy.forceOnMute = ForceOnMute(rawValue: text)
                    if policy.forceOnMute == nil { reader.problem(value, "'\(path)' must be one of: never, mentions, always") }
                }
            case "privacy": policy.privacy = reader.bool(value, at: path)
            case "mentionOnlyAbove": policy.mentionOnlyAbove = reader.int(value, at: path, minimum: 0)
            default: policy.builtin = reader.bool(value, at: path)
            }
        }
        return policy
    }

    static func parsePlaceholders(_ node: Node, at path: String, reader: inout YAMLReader) -> [String: String] {
        var placeholders: [String: String] = [:]
        for (key, value, keyNode) in reader.mapping(node, at: path) {
            guard placeholderKeys.contains(key) || Int(key) != nil else {
                reader.problem(keyNode, "unknown placeholder '\(key)' in '\(path)' (expected an app type code or one of: \(placeholderKeys.sorted().joined(separator: ", ")))")
                continue
            }
            if let text = reader.string(value, at: "\(path).\(key)") { placeholders[key] = text }
        }
        return placeholders
    }

    static func parsePayload(_ node: Node, at path: String, reader: inout YAMLReader) -> [(key: String, value: PayloadValue)] {
        reader.mapping(node, at: path).compactMap { key, value, _ in
            parseValue(value, at: "\(path).\(key)", reader: &reader).map { (key: key, value: $0) }
        }
    }

    static func parseValue(_ node: Node, at path: String, reader: inout YAMLReader) -> PayloadValue? {
        guard reader.withinLimit(of: TemplateLimits.maxPayloadValues, "payload values", adding: 1, at: node) else { return nil }
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if node.null != nil { return .literal(.null) }
                if let bool = node.bool { return .literal(.bool(bool)) }
                if let int = node.int { return .literal(.number(Double(int))) }
                if let float = node.float { return .literal(.number(float)) }
            }
            do {
                let tags = try MustacheText.tagCount(scalar.string)
                guard reader.withinLimit(of: TemplateLimits.maxTags, "Mustache tags", adding: tags, at: node) else { return nil }
                let text = try MustacheText(scalar.string)
                for name in text.unknownVariables {
                    reader.problem(node, "'\(path)' uses unknown variable '\(name)'")
                }
                return .text(text)
            } catch {
                // Block scalars (| and >) start on the line after their indicator.
                let offset = (scalar.style == .literal || scalar.style == .folded) ? 1 : 0
                let line = (node.mark?.line ?? 1) + offset + error.line - 1
                reader.problems.append(LintProblem(file: reader.file, line: line, reason: "'\(path)': \(error.reason)"))
                return nil
            }
        case .sequence(let sequence):
            return .array(sequence.enumerated().compactMap { parseValue($1, at: "\(path)[\($0)]", reader: &reader) })
        case .mapping:
            return .object(parsePayload(node, at: path, reader: &reader))
        case .alias:
            reader.problem(node, anchorsAndAliases)
            return nil
        }
    }

    static let anchorsAndAliases = "anchors and aliases are not allowed"

    // Only libyaml's own words and the line: Yams' descriptions quote the text.
    static func yamlErrorLine(_ error: YamlError) -> Int {
        switch error {
        case .reader(_, let offset?, _, let yaml): return 1 + yaml.prefix(offset).filter(\.isNewline).count
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        case .duplicatedKeysInMapping(_, let context): return context.mark.line
        default: return 1
        }
    }

    static func yamlErrorReason(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate keys: \(duplicates.joined(separator: ", "))"
        case .reader(let problem, _, _, _):
            return problem
        default:
            return "\(error)"
        }
    }
}
