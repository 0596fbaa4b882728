import PushCompose

/// What a replay found: how many calls it read and replayed (and why the others could not
/// be), and how many receivers would get another payload, template, variant, force or
/// route, in total and by the template the record rendered them with, with a few
/// examples of each. Counts only: memory does not grow with the number of calls.
struct ReplayReport: Sendable {
    struct Example: Sendable {
        var call: String
        var receiver: String
        var changes: [ReplayComparison.Change]
    }

    struct Tally: Sendable {
        var receivers = 0
        /// Receivers with any change.
        var changed = 0
        /// Receivers with a change of each field.
        var fields: [ReplayComparison.Field: Int] = [:]
        var examples: [Example] = []
    }

    /// Examples kept per template.
    let examplesPerTemplate: Int
    /// Hook records read within the time range.
    var callsRead = 0
    var replayed = 0
    /// Reason → records.
    var notReplayable: [String: Int] = [:]
    /// Whether the replay stopped at its limit of calls with records left to read.
    var stoppedAtLimit = false
    var total = Tally()
    var byTemplate: [String: Tally] = [:]

    init(examplesPerTemplate: Int) {
        self.examplesPerTemplate = examplesPerTemplate
    }

    mutating func count(_ notReplayable: RecordedCall.NotReplayable) {
        callsRead += 1
        self.notReplayable[notReplayable.reason, default: 0] += 1
    }

    mutating func add(_ comparison: ReplayComparison) {
        callsRead += 1
        replayed += 1
        for receiver in comparison.receivers {
            let example = Example(call: comparison.call, receiver: receiver.id, changes: receiver.changes)
            total.add(example, keeping: 0)
            byTemplate[receiver.recordedTemplate, default: Tally()].add(example, keeping: examplesPerTemplate)
        }
    }

    var notReplayableCount: Int { notReplayable.values.reduce(0, +) }
}

extension ReplayReport.Tally {
    mutating func add(_ receiver: ReplayReport.Example, keeping examples: Int) {
        receivers += 1
        guard !receiver.changes.isEmpty else { return }
        changed += 1
        for change in receiver.changes { fields[change.field, default: 0] += 1 }
        if self.examples.count < examples { self.examples.append(receiver) }
    }
}
