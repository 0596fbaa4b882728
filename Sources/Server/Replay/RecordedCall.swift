import AuditLog
import PushCompose

/// A `hook` record read back to be composed again: the call as it came in (rebuilt from
/// `input.hook` as the server reads a body), when, and what the composer read besides
/// the templates (the registry and the experiment variants, as recorded).
struct RecordedCall {
    /// Why a record cannot be replayed; the report counts records by it.
    struct NotReplayable: Error, Equatable {
        var reason: String
    }

    /// The record's `time`, in seconds since 1970: the `now` experiments' start and end
    /// are judged by.
    var seconds: Double
    var call: String
    var hook: ReceiversOfflineHook
    var registry: RecordedRegistry
    var variants: RecordedVariants
    /// The record as written.
    var record: JSONValue

    init(record: JSONValue) throws(NotReplayable) {
        guard record["v"] != nil else { throw NotReplayable(reason: "written before schema 1 (no input)") }
        if let omitted = record["inputOmitted"]?.stringValue { throw NotReplayable(reason: "input omitted: \(omitted)") }
        guard let input = record["input"] else {
            throw NotReplayable(reason: "no input (recorded with auditText hash or none)")
        }
        guard let call = record["call"]?.stringValue, !call.isEmpty else { throw NotReplayable(reason: "no call id") }
        guard let seconds = record["time"]?.stringValue.flatMap(AuditTime.seconds) else { throw NotReplayable(reason: "no valid time") }
        guard let parameters = input["hook"], case .object = parameters else { throw NotReplayable(reason: "input without hook parameters") }
        var body: [UInt8] = []
        JSONEncoding.write(parameters, into: &body)
        do {
            // The server admitted the call: no receiver limit applies to it again.
            hook = try ReceiversOfflineHook(HookParameters(body: body), maxPeers: .max)
        } catch {
            throw NotReplayable(reason: "unreadable input: \(error.description)")
        }
        self.seconds = seconds
        self.call = call
        self.record = record
        // Who muted the conversation, as the replayed record lists them too.
        registry = RecordedRegistry(input: input, conversation: hook.convId, muted: record["muted"]?.asStrings ?? [])
        variants = RecordedVariants(record: record)
    }

    /// The call's receivers, each once, in the order they were sent.
    var receivers: [String] {
        var seen = Set<String>()
        return hook.offlinePeers.filter { seen.insert($0).inserted }
    }
}
