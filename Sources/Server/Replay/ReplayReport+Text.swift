/// The report as a person reads it.
extension ReplayReport {
    var text: String {
        var lines: [String] = []
        var replayedLine = "Replayed \(replayed) of \(callsRead) hook calls"
        if stoppedAtLimit { replayedLine += " (stopped at the limit; the range holds more)" }
        lines.append(replayedLine + ".")
        if !notReplayable.isEmpty {
            lines.append("Not replayable: \(notReplayableCount)")
            for (reason, count) in notReplayable.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
                lines.append("  \(count)  \(reason)")
            }
        }
        lines.append("Receivers compared: \(total.receivers); would change: \(total.changed)\(Self.fieldCounts(total))")
        guard !byTemplate.isEmpty else { return lines.joined(separator: "\n") + "\n" }
        lines.append("")
        lines.append("By recorded template:")
        for (template, tally) in byTemplate.sorted(by: { $0.key < $1.key }) {
            let changed = tally.changed == 0 ? "no change" : "\(tally.changed) would change\(Self.fieldCounts(tally))"
            lines.append("  \(template): \(tally.receivers) receiver\(tally.receivers == 1 ? "" : "s"), \(changed)")
            for example in tally.examples {
                lines.append("    call \(example.call), receiver \(example.receiver)")
                for change in example.changes {
                    lines.append("      \(change.field.rawValue): \(Self.show(change.before)) → \(Self.show(change.after))")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// ` (payload 3, template 0, …)`; nothing when nothing would change.
    private static func fieldCounts(_ tally: Tally) -> String {
        guard tally.changed > 0 else { return "" }
        return " (" + ReplayComparison.Field.allCases.map { "\($0.rawValue) \(tally.fields[$0] ?? 0)" }.joined(separator: ", ") + ")"
    }

    private static func show(_ value: String?) -> String { value ?? "(none)" }
}
