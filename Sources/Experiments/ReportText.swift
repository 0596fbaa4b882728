extension ExperimentReport {
    /// The report for a terminal: a fixed-width table of the arms, then the analysis, the
    /// correction, what was left out, and the verdict.
    public func text() -> String {
        let header = ["variant", "receivers", "pushes", "opens", "openers", "rate", "95% CI", "lift", "p", "p(Holm)"]
        let rows = arms.map { arm -> [String] in
            [
                arm.isControl ? "\(arm.variant) (control)" : arm.variant,
                String(arm.receivers), String(arm.pushes), String(arm.opens), String(arm.openers),
                arm.openRate.map(Format.percent) ?? "-",
                arm.interval.map { "\(Format.percent($0.low)) – \(Format.percent($0.high))" } ?? "-",
                arm.absoluteLift.map { lift in
                    Format.points(lift) + (arm.relativeLift.map { String(format: " (%+.1f%%)", $0 * 100) } ?? "")
                } ?? "-",
                arm.pValue.map(Format.tableP) ?? "-",
                arm.correctedPValue.map(Format.tableP) ?? "-",
            ]
        }
        let table = [header] + rows
        let widths = header.indices.map { column in table.map { $0[column].count }.max()! }
        let lines = table.map { row in
            row.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return column == 0 ? row[column] + padding : padding + row[column]
            }.joined(separator: "  ")
        }

        var out = ["experiment \(experiment) (unit: \(unit)), \(since.map(Format.time) ?? "from the start") to \(Format.time(now))"]
        out += lines
        out.append("minimum sample: \(minimumSample) receivers per arm")
        out.append("analysis: \(analysis)")
        out.append("correction: \(correction)")
        out.append("not exposed: \(perArm(\.notExposed)); overridden: \(perArm(\.overridden)) (\(overridesNote))")
        if let adaptation {
            let weights = arms.map { arm in "\(arm.variant) \(adaptation.weights[arm.variant].map(Format.percent) ?? "-")" }
            let when =
                adaptation.declaredWeightsFirst
                ? "declared weights until \(Format.time(adaptation.from)), then adaptive"
                : "adaptive throughout (since \(Format.time(adaptation.from)))"
            out.append(
                "bandit: \(when) by \(adaptation.method): \(adaptation.updates) update\(adaptation.updates == 1 ? "" : "s"), "
                    + "latest at \(Format.time(adaptation.latest)): " + weights.joined(separator: ", "))
        } else if bandit {
            out.append("bandit: no weight update yet; the declared weights applied throughout")
        }
        out.append("verdict: \(verdictText)")
        return out.joined(separator: "\n") + "\n"
    }

    /// "12 (A 5, B 7)".
    private func perArm(_ count: KeyPath<ArmReport, Int>) -> String {
        let total = arms.reduce(0) { $0 + $1[keyPath: count] }
        return "\(total) (" + arms.map { "\($0.variant) \($0[keyPath: count])" }.joined(separator: ", ") + ")"
    }
}
