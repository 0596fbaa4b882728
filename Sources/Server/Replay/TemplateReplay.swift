import Foundation
import PushCompose
import Templates

/// Composes recorded hook calls again with another template set and compares each
/// receiver's outcome with the recorded one (`ReplayComparison`), into a `ReplayReport`.
///
/// Each call is composed as `serve` would have composed it then: with the recorded call
/// id and time, the registry as recorded (`RecordedRegistry`), the experiment variants
/// as recorded (`RecordedVariants`) and serve's composer options. Its plan is encoded by
/// the server's own record encoder and read back, so that recorded and replayed outcomes
/// are read alike: the same templates give no change.
struct TemplateReplay {
    var templates: TemplateSet
    var options: Composer.Options
    /// `AuditTime` text: calls recorded at or after it.
    var since: String?
    /// `AuditTime` text: calls recorded before it.
    var until: String?
    /// At most this many calls replayed.
    var limit: Int?
    /// Examples kept per recorded template.
    var examples = 3

    /// Reads the directory's hook records (oldest first) and replays them. Blocks: call it
    /// off Swift's cooperative pool.
    func run(auditDirectory: URL) throws -> ReplayReport {
        var report = ReplayReport(examplesPerTemplate: examples)
        let lines = try HookRecordLines(directory: auditDirectory, since: since, until: until)
        while let line = try lines.next() {
            if let limit, report.replayed == limit {
                report.stoppedAtLimit = true
                break
            }
            guard let record = try? JSONParser.parse(line.bytes) else {
                report.count(RecordedCall.NotReplayable(reason: "unreadable record"))
                continue
            }
            do {
                report.add(try replay(RecordedCall(record: record)))
            } catch let notReplayable as RecordedCall.NotReplayable {
                report.count(notReplayable)
            }
        }
        return report
    }

    /// One call composed again and compared with its record.
    func replay(_ call: RecordedCall) throws -> ReplayComparison {
        let composer = Composer(templates: templates, registry: call.registry, experiments: call.variants, options: options)
        let plan = composer.compose(call.hook, call: call.call, now: call.seconds)
        // Push ids are made when pushes are queued; no outcome reads them.
        let line = HookAuditRecord(textPolicy: .full).receiversOffline(
            hook: call.hook, plan: plan, call: call.call, pushIds: plan.custom.map { _ in "" }, input: nil, micros: 0)
        let replayed = try JSONParser.parse(line.bytes)
        return ReplayComparison(call: call.call, receivers: call.receivers, recorded: call.record, replayed: replayed)
    }
}
