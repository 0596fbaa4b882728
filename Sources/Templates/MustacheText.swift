import Foundation
import Mustache

/// One Mustache template string of a payload, compiled once at load.
struct MustacheText: Sendable {
    /// The variables a template may use; `message.attrs.*` names any attribute.
    static let knownVariables: Set<String> =
        Set(RenderField.allCases.map(\.rawValue)).union(RenderField.scopes).union(["message.attrs"])

    // Values are plain text, never HTML: the payload is JSON, encoded after rendering.
    private static let textPragma = "{{% CONTENT_TYPE:TEXT}}"

    let source: String
    let template: MustacheTemplate
    /// The variable and section names it uses outside any section.
    let variables: [String]
    /// Every variable and section name it uses, in sections too.
    let allVariables: [String]
    /// Static text renders to itself; skipping Mustache for it keeps the hot path short.
    let isStatic: Bool
    /// Set when the template is plain substitution, which renders without swift-mustache's
    /// general lookup.
    let substitution: SubstitutionTemplate?

    /// Compiles `source`; on failure, the problem names the line within `source` (from 1).
    /// `tagCount` first: it refuses what must not be compiled.
    init(_ source: String) throws(MustacheTextError) {
        do {
            self.template = try MustacheTemplate(string: Self.textPragma + source)
        } catch let error as MustacheTemplate.ParserError {
            throw MustacheTextError(line: error.context.lineNumber, reason: "Mustache: \(Self.describe(error.error)) near '\(error.context.line.replacingOccurrences(of: Self.textPragma, with: ""))'")
        } catch {
            throw MustacheTextError(line: 1, reason: "Mustache: \(error)")
        }
        self.source = source
        let scanned = Self.scanVariables(source)
        self.variables = scanned.filter { $0.depth == 0 }.map(\.name)
        self.allVariables = scanned.map(\.name)
        self.isStatic = !source.contains("{{")
        self.substitution = SubstitutionTemplate(source)
    }

    func render(_ context: RenderContext) -> String {
        if isStatic { return source }
        if let substitution { return substitution.render(context) }
        return template.render(context)
    }

    /// Names this text uses that no render context provides. Inside a section a bare name
    /// may belong to the section's value, so there only names under a known root
    /// (`sender.nmae`) are checked.
    var unknownVariables: [String] {
        let topLevel = variables.filter { !Self.isKnown($0) }
        let nested = allVariables.filter { name in
            guard let root = name.split(separator: ".").first, name.contains("."), RenderField.scopes.contains(String(root)) else { return false }
            return !Self.isKnown(name)
        }
        var seen = Set<String>()
        return (topLevel + nested).filter { seen.insert($0).inserted }
    }

    private static func isKnown(_ name: String) -> Bool {
        knownVariables.contains(name) || name.hasPrefix("message.attrs.") || name == "."
    }

    /// Whether the rendered text can differ between receivers of the same mention and
    /// locale: it names the receiver anywhere, sections included (a name inside a section
    /// climbs to the root when the section's value lacks it).
    var dependsOnReceiverIdentity: Bool {
        allVariables.contains { $0 == "receiver" || ($0.hasPrefix("receiver.") && $0 != "receiver.mentioned") }
    }

    /// The tags of `source`, counted before compiling it (its compile time grows with the
    /// square of them). Refused: sections nested deeper than `TemplateLimits.maxSectionDepth`,
    /// and set-delimiter tags: tags under other delimiters would escape the count, and the
    /// variable checks that lint and the privacy rules rely on.
    static func tagCount(_ source: String) throws(MustacheTextError) -> Int {
        let bytes = source.utf8
        var tags = 0
        var depth = 0
        var line = 1
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            index = bytes.index(after: index)
            if byte == UInt8(ascii: "\n") { line += 1 }
            guard byte == UInt8(ascii: "{"), index != bytes.endIndex, bytes[index] == UInt8(ascii: "{") else { continue }
            index = bytes.index(after: index)
            tags += 1
            switch index == bytes.endIndex ? nil : bytes[index] {
            case UInt8(ascii: "=")?:
                throw MustacheTextError(line: line, reason: "Mustache: set-delimiter tags ({{=…=}}) are not supported")
            case UInt8(ascii: "#")?, UInt8(ascii: "^")?, UInt8(ascii: "$")?, UInt8(ascii: "<")?:
                depth += 1
                if depth > TemplateLimits.maxSectionDepth {
                    throw MustacheTextError(line: line, reason: "Mustache: sections nested more than \(TemplateLimits.maxSectionDepth) deep")
                }
            case UInt8(ascii: "/")?:
                depth = max(0, depth - 1)
            default:
                break
            }
        }
        return tags
    }

    /// Variable and section names with the depth of sections they stand in.
    static func scanVariables(_ source: String) -> [(name: String, depth: Int)] {
        var names: [(name: String, depth: Int)] = []
        var depth = 0
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "}}") else { break }
            var tag = rest[..<close.lowerBound]
            rest = rest[close.upperBound...]
            if rest.first == "}" { rest = rest.dropFirst() }
            tag = tag.drop { $0 == " " }
            guard let sigil = tag.first else { continue }
            switch sigil {
            case "!", "=", "%", ">", "<", "$": continue
            case "#", "^":
                names.append((name: tag.dropFirst().trimmingCharacters(in: .whitespaces), depth: depth))
                depth += 1
            case "/":
                depth = max(0, depth - 1)
            case "&", "{":
                names.append((name: tag.dropFirst().trimmingCharacters(in: .whitespaces), depth: depth))
            default:
                names.append((name: tag.trimmingCharacters(in: .whitespaces), depth: depth))
            }
        }
        return names
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "section closed with a different name than it was opened with"
        case .unfinishedName: return "unfinished tag"
        case .expectedSectionEnd: return "section is never closed"
        case .invalidSetDelimiter: return "invalid set-delimiter tag"
        case .transformAppliedToInheritanceSection: return "transform applied to an inheritance section"
        case .illegalTokenInsideInheritSection: return "illegal tag inside an inheritance section"
        case .textInsideInheritSection: return "text inside an inheritance section"
        case .invalidConfigVariableSyntax: return "invalid pragma"
        case .unrecognisedConfigVariable: return "unrecognised pragma"
        }
    }
}

struct MustacheTextError: Error {
    var line: Int
    var reason: String
}

