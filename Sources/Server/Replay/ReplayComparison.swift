import PushCompose

/// One recorded call against its replay, receiver by receiver: which of their outcome's
/// fields would change, from what to what.
struct ReplayComparison: Sendable {
    /// A field of `ReceiverOutcome`, as the report names it.
    enum Field: String, CaseIterable, Sendable {
        case payload, template, variant, force, route
    }

    struct Change: Sendable, Equatable {
        var field: Field
        /// The value as text; nil: none (not rendered, nothing sent).
        var before: String?
        var after: String?
    }

    struct Receiver: Sendable {
        var id: String
        /// The template the record rendered them with, else the call's: what the report groups by.
        var recordedTemplate: String
        /// Empty when nothing would change.
        var changes: [Change]
    }

    var call: String
    var receivers: [Receiver]

    /// - Parameters:
    ///   - receivers: the call's receivers (its `offlinePeers`, each once).
    ///   - recorded: the call's record as written.
    ///   - replayed: the record the replay's plan encodes to, read back.
    init(call: String, receivers: [String], recorded: JSONValue, replayed: JSONValue) {
        self.call = call
        let before = ReceiverOutcome.outcomes(of: recorded)
        let after = ReceiverOutcome.outcomes(of: replayed)
        let callTemplate = recorded["template"]?.stringValue ?? ""
        self.receivers = receivers.map { id in
            let old = before[id], new = after[id]
            return Receiver(id: id, recordedTemplate: old?.template ?? callTemplate, changes: Self.changes(old, new))
        }
    }

    static func changes(_ old: ReceiverOutcome?, _ new: ReceiverOutcome?) -> [Change] {
        Field.allCases.compactMap { field in
            let before = text(field, old), after = text(field, new)
            return before == after ? nil : Change(field: field, before: before, after: after)
        }
    }

    private static func text(_ field: Field, _ outcome: ReceiverOutcome?) -> String? {
        guard let outcome else { return nil }
        switch field {
        case .payload: return outcome.payload
        case .template: return outcome.template
        case .variant: return outcome.variant
        case .force: return outcome.force.map { $0 ? "true" : "false" }
        case .route: return outcome.route.rawValue
        }
    }
}
