import Crypto
import Experiments
import Foundation
import PushCompose

/// The templates of one directory, loaded and checked as a whole: a set with any
/// problem is refused, so a running service keeps the set it has.
///
/// A class, as `CompiledTemplate` is: the composer holds it as an existential on every
/// call, and a struct this size would be copied into a new box each time.
public final class TemplateSet: TemplateSelector {
    /// Highest priority first; between equal priorities, file name order.
    public let templates: [CompiledTemplate]
    public let defaultTemplate: any PushTemplate
    /// SHA-256 (hex) of the files the set was loaded from, each file's name and text in
    /// name order: instances that serve the same files show the same digest.
    public let digest: String

    private init(templates: [CompiledTemplate], defaultTemplate: any PushTemplate, digest: String) {
        self.templates = templates
        self.defaultTemplate = defaultTemplate
        self.digest = digest
    }

    static func digest(of sources: [(file: String, text: String)]) -> String {
        var hash = SHA256()
        for source in sources.map({ (name: URL(fileURLWithPath: $0.file).lastPathComponent, text: $0.text) }).sorted(by: { $0.name < $1.name }) {
            hash.update(data: Data(source.name.utf8))
            hash.update(data: Data([0]))
            hash.update(data: Data(source.text.utf8))
            hash.update(data: Data([0]))
        }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Every experiment the set's templates declare, in template order.
    public var experimentDesigns: [ExperimentDesign] { templates.compactMap(\.experimentDesign) }

    /// The template declaring the experiment `name`.
    public func template(declaring name: String) -> CompiledTemplate? {
        templates.first { $0.experiment?.name == name }
    }

    /// A template, and with an experiment each variant as a template of its own.
    static func compile(_ definition: TemplateDefinition, base: TemplateDefinition) -> CompiledTemplate {
        let parent = definition.isDefault ? nil : base
        guard let declared = definition.experiment, !declared.variants.isEmpty else {
            return CompiledTemplate(definition, inheriting: parent, basePolicy: PushPolicy())
        }
        let variants = declared.variants.map { variant in
            TemplateExperiment.Variant(
                name: variant.name, weight: variant.weight, isControl: variant.isControl,
                template: CompiledTemplate(definition.overlaid(with: variant.overrides, base: parent), inheriting: parent, basePolicy: PushPolicy()))
        }
        let experiment = TemplateExperiment(
            name: declared.name, unit: declared.unit, variants: variants, start: declared.start, end: declared.end,
            tagsPayload: declared.payloadMember, banditFloor: declared.banditFloor)
        return CompiledTemplate(definition, inheriting: parent, basePolicy: PushPolicy(), experiment: experiment)
    }

    public func template(for message: MessageFacts) -> any PushTemplate {
        templates.first { !$0.isDefault && $0.matches(message) } ?? defaultTemplate
    }

    /// The template files of `directory`: `*.yaml` and `*.yml`, by name. Listed by path:
    /// Foundation on Linux lists a directory reached through a link as empty by URL.
    public static func files(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { ["yaml", "yml"].contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
            .sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// Loads, checks and compiles every template file in `directory` (see `TemplateFileReader`
    /// for the files it refuses to read).
    public static func load(directory: URL, options: Composer.Options = .init()) throws(TemplateSetError) -> TemplateSet {
        let urls: [URL]
        do {
            urls = try files(in: directory)
        } catch {
            throw TemplateSetError(problems: [LintProblem(file: directory.path, line: 0, reason: "cannot read the template directory: \(error.localizedDescription)")])
        }
        guard urls.count <= TemplateLimits.maxFiles else {
            throw TemplateSetError(problems: [LintProblem(
                file: directory.path, line: 0,
                reason: "\(urls.count) template files; a template directory may have at most \(TemplateLimits.maxFiles)")])
        }
        let reader: TemplateFileReader
        do {
            reader = try TemplateFileReader(directory: directory)
        } catch {
            throw TemplateSetError(problems: [error])
        }
        var sources: [(file: String, text: String)] = []
        var problems: [LintProblem] = []
        for url in urls {
            switch reader.text(of: url) {
            case .success(let text): sources.append((file: url.path, text: text))
            case .failure(let problem): problems.append(problem)
            }
        }
        if urls.isEmpty {
            problems.append(LintProblem(file: directory.path, line: 0, reason: "no template files (*.yaml) in the directory"))
        }
        do {
            let set = try load(sources: sources, options: options)
            if problems.isEmpty { return set }
        } catch {
            problems += error.problems
        }
        throw TemplateSetError(problems: problems)
    }

    /// Loads a set from file texts (`file` names each in problems; its last path
    /// component without extension is the template's name unless the file gives one).
    public static func load(sources: [(file: String, text: String)], options: Composer.Options = .init()) throws(TemplateSetError) -> TemplateSet {
        var problems: [LintProblem] = []
        var definitions: [TemplateDefinition] = []
        for source in sources {
            var reader = YAMLReader(file: source.file)
            let name = URL(fileURLWithPath: source.file).deletingPathExtension().lastPathComponent
            if let definition = TemplateDefinition.parse(yaml: source.text, file: source.file, defaultName: name, reader: &reader) {
                definitions.append(definition)
            }
            problems += reader.problems
        }

        let defaults = definitions.filter(\.isDefault)
        if defaults.isEmpty {
            problems.append(LintProblem(file: sources.first?.file ?? "templates", line: 1, reason: "no template says 'default: true'; exactly one must"))
        }
        for extra in defaults.dropFirst() {
            problems.append(LintProblem(file: extra.file, line: extra.line, reason: "a second default template ('\(extra.name)'; the first is '\(defaults[0].name)' in \(defaults[0].file))"))
        }
        if let base = defaults.first {
            if base.blocks[""]?.push == nil {
                problems.append(LintProblem(file: base.file, line: base.line, reason: "the default template needs a 'push' block"))
            }
            if !base.match.isEmpty {
                problems.append(LintProblem(file: base.file, line: base.line, reason: "the default template applies to every message; remove its 'match'"))
            }
        }
        var experiments: [String: String] = [:]
        for definition in definitions {
            guard let experiment = definition.experiment else { continue }
            if let other = experiments[experiment.name] {
                problems.append(LintProblem(file: definition.file, line: experiment.line, reason: "experiment name '\(experiment.name)' is already used by template '\(other)'"))
            }
            experiments[experiment.name] = definition.name
        }
        var seen: [String: String] = [:]
        for definition in definitions {
            if let other = seen[definition.name] {
                problems.append(LintProblem(file: definition.file, line: definition.line, reason: "template name '\(definition.name)' is already used in \(other)"))
            }
            seen[definition.name] = definition.file
            if !definition.isDefault && definition.match.isEmpty {
                problems.append(LintProblem(file: definition.file, line: definition.line, reason: "template '\(definition.name)' has no 'match', so it would apply to every message; give it a 'match' or make it the default"))
            }
        }
        guard problems.isEmpty, let base = defaults.first else { throw TemplateSetError(problems: problems) }

        let compiled = definitions.map { compile($0, base: base) }
        .sorted { a, b in a.priority != b.priority ? a.priority > b.priority : a.file < b.file }
        let defaultTemplate = compiled.first(where: \.isDefault)!
        for template in compiled {
            problems += TemplateRenderCheck.problems(of: template, options: options)
        }
        guard problems.isEmpty else { throw TemplateSetError(problems: problems + compiled.flatMap(PersonalTemplateCheck.warnings)) }
        return TemplateSet(templates: compiled, defaultTemplate: defaultTemplate, digest: digest(of: sources))
    }
}
