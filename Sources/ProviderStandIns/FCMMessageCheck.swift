import PushCompose

/// What FCM HTTP v1 verifies in a send request's body, for the members a sender uses:
/// any problem is a 400 INVALID_ARGUMENT.
enum FCMMessageCheck {
    private static let messageMembers: Set = [
        "name", "data", "notification", "android", "webpush", "apns", "fcm_options", "token", "topic", "condition",
    ]

    /// Every problem with `body` (already parsed as `json`, nil when it is not JSON).
    static func problems(with json: JSONValue?) -> [String] {
        guard let json, case .object = json else { return ["body is not a JSON object"] }
        guard let message = json["message"], case .object(let members) = message else { return ["no message object"] }
        var problems: [String] = []
        for member in members where !messageMembers.contains(member.key) {
            problems.append("message has an unknown member \(member.key)")
        }
        for target in ["topic", "condition"] where message[target] != nil {
            problems.append("message has a \(target) beside its token")
        }
        if let token = message["token"]?.stringValue {
            if token.isEmpty { problems.append("message.token is empty") }
        } else {
            problems.append("message.token is not a string")
        }
        if let notification = message["notification"] {
            problems += notificationProblems(notification)
        }
        if let android = message["android"] {
            problems += androidProblems(android)
        }
        if let apns = message["apns"] {
            problems += apnsProblems(apns)
        }
        if let data = message["data"] {
            problems += stringMapProblems(data, name: "message.data")
        }
        return problems
    }

    private static func notificationProblems(_ notification: JSONValue) -> [String] {
        guard case .object(let members) = notification else { return ["message.notification is not an object"] }
        return members.compactMap { member in
            guard ["title", "body", "image"].contains(member.key) else { return "message.notification has an unknown member \(member.key)" }
            return member.value.stringValue == nil ? "message.notification.\(member.key) is not a string" : nil
        }
    }

    private static func androidProblems(_ android: JSONValue) -> [String] {
        guard case .object = android else { return ["message.android is not an object"] }
        var problems: [String] = []
        if let priority = android["priority"], !["high", "normal", "HIGH", "NORMAL"].contains(priority.stringValue ?? "") {
            problems.append("message.android.priority is \(JSONEncoding.string(priority)), not high or normal")
        }
        if let collapseKey = android["collapse_key"], collapseKey.stringValue == nil {
            problems.append("message.android.collapse_key is not a string")
        }
        if let notification = android["notification"] {
            guard case .object = notification else { return problems + ["message.android.notification is not an object"] }
            if let tag = notification["tag"], tag.stringValue == nil {
                problems.append("message.android.notification.tag is not a string")
            }
            if let count = notification["notification_count"], !isInteger(count) {
                problems.append("message.android.notification.notification_count is not an integer")
            }
        }
        return problems
    }

    private static func apnsProblems(_ apns: JSONValue) -> [String] {
        guard case .object = apns else { return ["message.apns is not an object"] }
        var problems: [String] = []
        if let headers = apns["headers"] {
            problems += stringMapProblems(headers, name: "message.apns.headers")
        }
        if let payload = apns["payload"] {
            if case .object = payload, let aps = payload["aps"], case .object = aps {} else {
                problems.append("message.apns.payload is not an object with an aps object")
            }
        }
        return problems
    }

    private static func stringMapProblems(_ map: JSONValue, name: String) -> [String] {
        guard case .object(let members) = map else { return ["\(name) is not an object"] }
        return members.filter { $0.value.stringValue == nil }.map { "\(name).\($0.key) is not a string" }
    }

    private static func isInteger(_ value: JSONValue) -> Bool {
        guard case .number(let number) = value else { return false }
        return number == number.rounded() && abs(number) < 2_147_483_648
    }
}
