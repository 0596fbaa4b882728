import PushCompose
import Storage

/// The body of `POST /v1/events`: one event object, or `{"events": [...]}` with up to
/// 1,000. An event: `type` (`opened`), `pushId` (and `receiver` when the push reached
/// several), or `receiver` + `experiment` (+ `variant`); `time` in milliseconds since
/// 1970 or ISO 8601, else the time it arrives. Errors name the event and the member.
struct OpenEventsBody {
    static let maxEvents = 1_000
    static let members: Set<String> = ["type", "pushId", "receiver", "experiment", "variant", "time"]

    let events: [OpenEvent]

    init(_ bytes: some Collection<UInt8>, now: Double) throws(CloudFunctionError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw AdminError.badRequest("body is not valid JSON: \(error.description)")
        }
        guard case .object(let members) = value else { throw AdminError.badRequest("body must be a JSON object") }
        if members.contains(where: { $0.key == "events" }) {
            guard members.count == 1 else { throw AdminError.badRequest("a body with 'events' has no other members") }
            guard case .array(let items) = value["events"]! else { throw AdminError.badRequest("'events' must be an array") }
            guard !items.isEmpty else { throw AdminError.badRequest("'events' is empty") }
            guard items.count <= Self.maxEvents else {
                throw AdminError.badRequest("'events' has \(items.count) events, more than the limit of \(Self.maxEvents) a call")
            }
            var events: [OpenEvent] = []
            events.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                events.append(try Self.event(item, at: "events[\(index)]", now: now))
            }
            self.events = events
        } else {
            events = [try Self.event(value, at: "the event", now: now)]
        }
    }

    private static func event(_ value: JSONValue, at path: String, now: Double) throws(CloudFunctionError) -> OpenEvent {
        guard case .object(let members) = value else { throw AdminError.badRequest("\(path) must be an object") }
        if let unknown = members.first(where: { !Self.members.contains($0.key) }) {
            throw AdminError.badRequest("\(path): unknown member '\(unknown.key)' (expected: \(Self.members.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String) throws(CloudFunctionError) -> String? {
            guard let member = value[key], member != .null else { return nil }
            guard case .string(let text) = member, !text.isEmpty, text.utf8.count <= 256 else {
                throw AdminError.badRequest("\(path): '\(key)' must be a non-empty string of at most 256 bytes")
            }
            return text
        }
        guard let type = try string("type") else { throw AdminError.badRequest("\(path): 'type' is missing (the one type is \"opened\")") }
        guard type == "opened" else { throw AdminError.badRequest("\(path): 'type' must be \"opened\", not \"\(type)\"") }
        let event = OpenEvent(
            pushId: try string("pushId"), receiver: try string("receiver"), experiment: try string("experiment"),
            variant: try string("variant"), time: try time(value["time"], at: path, now: now))
        guard event.pushId != nil || (event.receiver != nil && event.experiment != nil) else {
            throw AdminError.badRequest("\(path): name the push ('pushId'), or the 'receiver' and the 'experiment'")
        }
        return event
    }

    private static func time(_ member: JSONValue?, at path: String, now: Double) throws(CloudFunctionError) -> Double {
        switch member {
        case nil, .null?: return now
        case .number(let milliseconds)? where milliseconds.isFinite && milliseconds >= 0 && milliseconds < 1e15:
            return milliseconds / 1000
        case .string(let text)?:
            if let time = PointInTime.iso8601(text) { return time }
            fallthrough
        default:
            throw AdminError.badRequest("\(path): 'time' must be milliseconds since 1970 or an ISO 8601 time such as 2026-11-27T09:00:00Z")
        }
    }
}
