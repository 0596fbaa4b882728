import Experiments
import Foundation
import PushCompose
import Yams

/// A template's `experiment` block as written: variants with weights, each overriding
/// parts of the template, and how the experiment is assigned, analysed and shown.
struct ExperimentDefinition: Sendable {
    struct Variant: Sendable {
        var name: String
        var line: Int
        var weight: Double = 0
        var isControl = false
        /// The variant's overrides: policy, placeholders and payload blocks, as a template has them.
        var overrides: TemplateDefinition
    }

    var name: String
    var line: Int
    var unit = ExperimentUnit.conversation
    var variants: [Variant] = []
    var start: Double?
    var end: Double?
    var minimumSample = 1_000
    var openWindow: Double = 86_400
    var analysis = ExperimentDesign.Analysis.fixed
    /// The share of assignments no arm falls below when a bandit adapts the weights;
    /// nil: fixed weights.
    var banditFloor: Double?
    var payloadMember = true

    static let keys: Set<String> = [
        "name", "unit", "variants", "start", "end", "minimumSample", "openWindow", "analysis", "bandit", "payloadMember",
    ]
    static let variantKeys = TemplateDefinition.contentKeys.union(["weight", "control"])
    static let banditKeys: Set<String> = ["floor"]
    /// Policies a variant may not change: they decide who is pushed and through which
    /// channel for the whole call, before variants are assigned.
    static let callWidePolicies: Set<String> = ["builtin", "mentionOnlyAbove"]
    static let maxVariants = 16

    static func parse(_ node: Node, reader: inout YAMLReader) -> ExperimentDefinition? {
        var definition = ExperimentDefinition(name: "", line: node.mark?.line ?? 1)
        var sawVariants = false
        for (key, value, _) in reader.mapping(node, at: "experiment", allowed: keys) {
            let path = "experiment.\(key)"
            switch key {
            case "name":
                if let name = reader.string(value, at: path) {
                    if isWellFormedName(name) {
                        definition.name = name
                    } else {
                        reader.problem(value, "'\(path)' must be 1 to 64 letters, digits, '-', '_' or '.'")
                    }
                }
            case "unit":
                if let text = reader.string(value, at: path) {
                    if let unit = ExperimentUnit(rawValue: text) {
                        definition.unit = unit
                    } else {
                        reader.problem(value, "'\(path)' must be one of: conversation, receiver")
                    }
                }
            case "start": definition.start = time(value, at: path, reader: &reader)
            case "end": definition.end = time(value, at: path, reader: &reader)
            case "minimumSample": definition.minimumSample = reader.int(value, at: path, minimum: 1) ?? definition.minimumSample
            case "openWindow": definition.openWindow = duration(value, at: path, reader: &reader) ?? definition.openWindow
            case "analysis":
                if let text = reader.string(value, at: path) {
                    if let analysis = ExperimentDesign.Analysis(rawValue: text) {
                        definition.analysis = analysis
                    } else {
                        reader.problem(value, "'\(path)' must be one of: fixed, sequential")
                    }
                }
            case "bandit": definition.banditFloor = bandit(value, at: path, reader: &reader)
            case "payloadMember": definition.payloadMember = reader.bool(value, at: path) ?? true
            default:
                sawVariants = true
                definition.variants = variants(value, reader: &reader)
            }
        }
        if definition.name.isEmpty {
            reader.problem(node, "the experiment needs a 'name'")
            return nil
        }
        if !sawVariants { reader.problem(node, "experiment '\(definition.name)' needs 'variants'") }
        definition.check(node, reader: &reader)
        return definition
    }

    private func check(_ node: Node, reader: inout YAMLReader) {
        guard !variants.isEmpty else { return }
        if variants.count < 2 {
            reader.problem(node, "experiment '\(name)' has \(variants.count) variant; an experiment compares at least 2")
        }
        let controls = variants.filter(\.isControl)
        if controls.count != 1 {
            reader.problem(
                node,
                "experiment '\(name)' must mark exactly one variant 'control: true' (found \(controls.isEmpty ? "none" : controls.map(\.name).joined(separator: ", ")))")
        }
        if !variants.contains(where: { $0.weight > 0 }) {
            reader.problem(node, "experiment '\(name)': every weight is 0; give at least one variant a positive weight")
        }
        if let start, let end, end <= start {
            reader.problem(node, "experiment '\(name)': 'end' must be after 'start'")
        }
        if let floor = banditFloor, floor * Double(variants.count) > 1 {
            reader.problem(node, "experiment '\(name)': a bandit floor of \(floor) for \(variants.count) variants exceeds 1 in total")
        }
    }

    private static func variants(_ node: Node, reader: inout YAMLReader) -> [Variant] {
        var variants: [Variant] = []
        for (name, value, keyNode) in reader.mapping(node, at: "experiment.variants") {
            let path = "experiment.variants.\(name)"
            guard isWellFormedName(name), name.count <= 32 else {
                reader.problem(keyNode, "variant name '\(name)' must be 1 to 32 letters, digits, '-', '_' or '.'")
                continue
            }
            guard variants.count < maxVariants else {
                reader.problem(keyNode, "more than \(maxVariants) variants in one experiment")
                break
            }
            var variant = Variant(
                name: name, line: keyNode.mark?.line ?? 1,
                overrides: TemplateDefinition(file: reader.file, line: keyNode.mark?.line ?? 1, name: name))
            var sawWeight = false
            for (key, member, memberKey) in reader.mapping(value, at: path, allowed: variantKeys) {
                let memberPath = "\(path).\(key)"
                switch key {
                case "weight":
                    sawWeight = true
                    if case .scalar = member, let weight = member.float ?? member.int.map(Double.init), weight >= 0, weight.isFinite {
                        variant.weight = weight
                    } else {
                        reader.problem(member, "'\(memberPath)' must be a number, 0 or more")
                    }
                case "control": variant.isControl = reader.bool(member, at: memberPath) ?? false
                case "policy":
                    if case .mapping(let mapping) = member {
                        for key in mapping.keys.compactMap(\.string) where callWidePolicies.contains(key) {
                            reader.problem(memberKey, "'\(memberPath).\(key)' applies to the whole call and cannot differ between variants")
                        }
                    }
                    TemplateDefinition.parseContent(key, member, at: memberPath, into: &variant.overrides, reader: &reader)
                default:
                    TemplateDefinition.parseContent(key, member, at: memberPath, into: &variant.overrides, reader: &reader)
                }
            }
            if !sawWeight { reader.problem(keyNode, "variant '\(name)' needs a 'weight'") }
            variants.append(variant)
        }
        return variants
    }

    static func isWellFormedName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
    }

    /// An ISO 8601 time with its zone, such as `2026-12-01T09:00:00Z`.
    private static func time(_ node: Node, at path: String, reader: inout YAMLReader) -> Double? {
        guard let text = reader.string(node, at: path) else { return nil }
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else {
            reader.problem(node, "'\(path)' must be a time such as 2026-12-01T09:00:00Z")
            return nil
        }
        return date.timeIntervalSince1970
    }

    /// Seconds, or a number with `s`, `m`, `h` or `d`.
    static func duration(_ node: Node, at path: String, reader: inout YAMLReader) -> Double? {
        guard let text = reader.string(node, at: path) else { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var number = Substring(text)
        var scale = 1.0
        if let last = text.last, let unit = units[last] {
            scale = unit
            number = number.dropLast()
        }
        guard let value = Double(number), value > 0, value.isFinite else {
            reader.problem(node, "'\(path)' must be a duration such as 3600, 90m, 24h or 7d")
            return nil
        }
        return value * scale
    }

    /// `bandit: true` (a floor of 5%) or `bandit: {floor: 0.1}`.
    private static func bandit(_ node: Node, at path: String, reader: inout YAMLReader) -> Double? {
        if case .scalar = node {
            return reader.bool(node, at: path) == true ? 0.05 : nil
        }
        var floor = 0.05
        for (key, value, _) in reader.mapping(node, at: path, allowed: banditKeys) {
            if case .scalar = value, let number = value.float, number >= 0, number < 1 {
                floor = number
            } else {
                reader.problem(value, "'\(path).\(key)' must be a share from 0 up to 1, such as 0.1")
            }
        }
        return floor
    }

    /// The design the report reads.
    var design: ExperimentDesign {
        ExperimentDesign(
            name: name, unit: unit.rawValue,
            variants: variants.map { ExperimentDesign.Variant(name: $0.name, weight: $0.weight, isControl: $0.isControl) },
            minimumSample: minimumSample, analysis: analysis, bandit: banditFloor != nil, openWindow: openWindow, start: start,
            end: end)
    }
}
