import PushCompose

/// How an intake record stores its pushes: a JSON object with `payloads`, each distinct
/// payload once (a call's receivers of one group share theirs), and `pushes`, one object
/// per push naming its payload by index, each device an array of its address's fields
/// (`provider`, `token`, `platform`, `apnsEnvironment`, `topic`, null when absent).
extension NewPush {
    public static func storedText(_ pushes: [NewPush]) -> String {
        var payloads: [JSONValue] = []
        // By hash, not by search: with personal payloads (one per receiver, up to the
        // hook's 10,000) a search of the payloads so far made the accept quadratic.
        var indexes: [JSONValue: Int] = [:]
        var stored: [JSONValue] = []
        stored.reserveCapacity(pushes.count)
        for push in pushes {
            let index = indexes[push.payload] ?? {
                payloads.append(push.payload)
                indexes[push.payload] = payloads.count - 1
                return payloads.count - 1
            }()
            stored.append(push.stored(payload: index))
        }
        return JSONEncoding.string(.object([("payloads", .array(payloads)), ("pushes", .array(stored))]))
    }

    /// The pushes of a stored text; an error names what does not fit.
    public static func pushes(storedText text: String) throws -> [NewPush] {
        let record = try JSONParser.parse(text)
        guard case .array(let payloads) = record["payloads"], case .array(let pushes) = record["pushes"] else {
            throw StoredPushError("not an object with arrays 'payloads' and 'pushes'")
        }
        return try pushes.map { try NewPush(stored: $0, payloads: payloads) }
    }

    private func stored(payload: Int) -> JSONValue {
        .object([
            ("push", .string(pushId)), ("call", .string(hookCallId)), ("receiver", .string(receiver)),
            ("conversation", .string(conversation)), ("template", .string(template)), ("payload", .number(Double(payload))),
            ("incrementsBadge", .bool(incrementsBadge)),
            ("devices", .array(devices.map { device in
                .array([
                    .string(device.provider.rawValue), .string(device.token), device.platform.map(JSONValue.string) ?? .null,
                    device.apnsEnvironment.map { .string($0.rawValue) } ?? .null, device.topic.map(JSONValue.string) ?? .null,
                ])
            })),
        ])
    }

    private init(stored: JSONValue, payloads: [JSONValue]) throws {
        func text(_ key: String) throws -> String {
            guard let value = stored[key]?.stringValue else { throw StoredPushError("no text '\(key)'") }
            return value
        }
        guard case .number(let index) = stored["payload"], let payload = Int(exactly: index), payloads.indices.contains(payload) else {
            throw StoredPushError("'payload' is not an index into 'payloads'")
        }
        guard case .bool(let incrementsBadge) = stored["incrementsBadge"] else { throw StoredPushError("no boolean 'incrementsBadge'") }
        guard case .array(let devices) = stored["devices"] else { throw StoredPushError("no array 'devices'") }
        self.init(
            pushId: try text("push"), hookCallId: try text("call"), receiver: try text("receiver"), conversation: try text("conversation"),
            template: try text("template"), payload: payloads[payload], incrementsBadge: incrementsBadge,
            devices: try devices.map { device in
                guard case .array(let fields) = device, fields.count == 5, let provider = fields[0].stringValue, let token = fields[1].stringValue
                else { throw StoredPushError("a device is not [provider, token, platform, apnsEnvironment, topic]") }
                return try StoredValue.address(
                    provider: provider, token: token, platform: fields[2].stringValue, apnsEnvironment: fields[3].stringValue,
                    topic: fields[4].stringValue)
            })
    }
}

/// A stored intake record that is not what `NewPush.storedText` writes.
public struct StoredPushError: Error, CustomStringConvertible {
    public var description: String

    init(_ problem: String) {
        description = "a stored push does not decode: \(problem)"
    }
}
