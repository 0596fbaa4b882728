import PushCompose

/// Lint's warning for a template that names its receiver: the built-in push answers one
/// payload for a whole call, so in a message to several receivers such a template is
/// rendered without a receiver. The set still loads.
enum PersonalTemplateCheck {
    static func warnings(of template: CompiledTemplate) -> [LintProblem] {
        guard template.namesReceiver, template.policy.builtin else { return [] }
        return [
            LintProblem(
                file: template.file, line: template.line,
                reason: "template '\(template.name)' uses receiver.id or receiver.name, but the built-in push sends one payload "
                    + "to every receiver of a message: to several receivers it sends the template rendered without a receiver "
                    + "(both empty); personal pushes in groups need custom delivery (policy.builtin: false)",
                severity: .warning)
        ]
    }
}

extension TemplateSet {
    /// What lint warns about in a set that loads.
    public var warnings: [LintProblem] { templates.flatMap(PersonalTemplateCheck.warnings) }
}
