import PushCompose

/// The report for tools: one JSON object.
///
/// `{"calls": {"read", "replayed", "notReplayable": {reason: count}, "stoppedAtLimit"},
/// "receivers": compared, "changed": {"receivers", "payload", "template", "variant", "force", "route"},
/// "templates": [{"template", "receivers", "changed": {…}, "examples": [{"call", "receiver",
/// "changes": [{"field", "before", "after"}]}]}]}`; a value that is none is `null`.
extension ReplayReport {
    var json: JSONValue {
        let calls: JSONValue = .object([
            ("read", .number(Double(callsRead))), ("replayed", .number(Double(replayed))),
            ("notReplayable", .object(notReplayable.sorted { $0.key < $1.key }.map { ($0.key, .number(Double($0.value))) })),
            ("stoppedAtLimit", .bool(stoppedAtLimit)),
        ])
        let templates = byTemplate.sorted { $0.key < $1.key }.map { template, tally -> JSONValue in
            .object([
                ("template", .string(template)), ("receivers", .number(Double(tally.receivers))), ("changed", Self.changed(tally)),
                ("examples", .array(tally.examples.map(Self.example))),
            ])
        }
        return .object([
            ("calls", calls), ("receivers", .number(Double(total.receivers))), ("changed", Self.changed(total)),
            ("templates", .array(templates)),
        ])
    }

    private static func changed(_ tally: Tally) -> JSONValue {
        .object([("receivers", .number(Double(tally.changed)))] + ReplayComparison.Field.allCases.map { ($0.rawValue, .number(Double(tally.fields[$0] ?? 0))) })
    }

    private static func example(_ example: Example) -> JSONValue {
        .object([
            ("call", .string(example.call)), ("receiver", .string(example.receiver)),
            ("changes", .array(example.changes.map { change in
                .object([("field", .string(change.field.rawValue)), ("before", change.before.map(JSONValue.string) ?? .null), ("after", change.after.map(JSONValue.string) ?? .null)])
            })),
        ])
    }
}
