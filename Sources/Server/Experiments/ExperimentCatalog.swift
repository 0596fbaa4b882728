import Experiments
import Foundation
import PushCompose
import Storage
import Templates

/// The experiments a template set declares, read with what the store counted: the list
/// (`ab list`, `GET /v1/experiments`) and the report (`ab report`, `GET
/// /v1/experiments/{name}/report`), the same from the CLI and the API.
struct ExperimentCatalog {
    let set: TemplateSet
    let store: any ExperimentStore

    struct UnknownExperiment: Error, CustomStringConvertible {
        var name: String
        var known: [String]
        var description: String {
            "no experiment '\(name)' in the templates" + (known.isEmpty ? " (they declare none)" : " (they declare: \(known.joined(separator: ", ")))")
        }
    }

    func design(_ name: String) throws(UnknownExperiment) -> ExperimentDesign {
        guard let design = set.experimentDesigns.first(where: { $0.name == name }) else {
            throw UnknownExperiment(name: name, known: set.experimentDesigns.map(\.name))
        }
        return design
    }

    func report(_ name: String, since: Double?, now: Double) async throws -> ExperimentReport {
        let design = try design(name)
        let counts = try await store.armCounts(experiment: name, since: since)
        let history = design.bandit ? try await store.weightHistory(experiment: name) : []
        return ExperimentReport(design: design, counts: counts, weightHistory: history, since: since, now: now)
    }

    /// Scheduled, running or ended at `now`.
    static func state(of design: ExperimentDesign, now: Double) -> String {
        if let start = design.start, now < start { return "scheduled" }
        if let end = design.end, now >= end { return "ended" }
        return "running"
    }

    func list(now: Double) async throws -> [ExperimentReport] {
        var reports: [ExperimentReport] = []
        for design in set.experimentDesigns {
            reports.append(try await report(design.name, since: nil, now: now))
        }
        return reports
    }

    /// The list as JSON: per experiment its template, unit, state, analysis, variants
    /// (declared weight, receivers, opens) and verdict.
    func listJSON(_ reports: [ExperimentReport], now: Double) -> JSONValue {
        .array(zip(set.experimentDesigns, reports).map { design, report in
            .object([
                (key: "name", value: .string(design.name)),
                (key: "template", value: set.template(declaring: design.name).map { .string($0.name) } ?? .null),
                (key: "unit", value: .string(design.unit)),
                (key: "state", value: .string(Self.state(of: design, now: now))),
                (key: "analysis", value: .string(design.analysis.rawValue)),
                (key: "bandit", value: .bool(design.bandit)),
                (key: "minimumSample", value: .number(Double(design.minimumSample))),
                (key: "variants", value: .array(zip(design.variants, report.arms).map { variant, arm in
                    .object([
                        (key: "name", value: .string(variant.name)),
                        (key: "control", value: .bool(variant.isControl)),
                        (key: "weight", value: .number(variant.weight)),
                        (key: "receivers", value: .number(Double(arm.receivers))),
                        (key: "opens", value: .number(Double(arm.opens))),
                    ])
                })),
                (key: "verdict", value: .string(report.verdictText)),
            ])
        })
    }

    /// The list as a table.
    func listText(_ reports: [ExperimentReport], now: Double) -> String {
        guard !reports.isEmpty else { return "no experiments: a template declares one in an 'experiment' block (README, \"A/B testing\")" }
        var table = TextTable("EXPERIMENT", "TEMPLATE", "UNIT", "STATE", "RECEIVERS PER VARIANT", "MIN SAMPLE", "VERDICT")
        for (design, report) in zip(set.experimentDesigns, reports) {
            table.add(
                design.name, set.template(declaring: design.name)?.name ?? "", design.unit, Self.state(of: design, now: now),
                report.arms.map { "\($0.variant) \($0.receivers)" }.joined(separator: ", "), String(design.minimumSample),
                report.verdictText)
        }
        return table.text
    }

    /// Experiment → seconds an open counts after its push.
    var openWindows: [String: Double] {
        Dictionary(set.experimentDesigns.map { ($0.name, $0.openWindow) }, uniquingKeysWith: { first, _ in first })
    }

    /// The report as JSON, keys sorted.
    static func json(_ report: ExperimentReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
