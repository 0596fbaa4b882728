import Delivery
import Foundation
import PushCompose

/// The stand-ins' checks: what a real endpoint verifies before accepting a push.
enum EndpointChecks {
    static let webhookSecret = "webhook-secret-0001"
    static let appId = "platform-app-0002"
    static let masterKey = "platform-master-0003"

    /// A webhook receiver: verifies the signature over `timestamp + "." + body` (in
    /// constant time), the timestamp's freshness and the body's members.
    static func webhook(clock: any DeliveryClock) -> StandInServer {
        StandInServer(path: "/push", clock: clock) { headers, body in
            guard let timestamp = headers["x-pushcompose-timestamp"], let signature = headers["x-pushcompose-signature"] else {
                return ["signature headers missing"]
            }
            var problems: [String] = []
            if !WebhookSignature(secret: webhookSecret).isValid(signature, timestamp: timestamp, body: body) {
                problems.append("bad signature")
            }
            if let sent = Double(timestamp), abs(sent - clock.now().timeIntervalSince1970) > 300 { problems.append("stale timestamp") }
            if headers["content-type"] != "application/json" { problems.append("content type \(headers["content-type"] ?? "none")") }
            guard let json = try? JSONParser.parse(body) else { return problems + ["body is not JSON"] }
            for member in ["pushId", "hookCallId", "receiver", "conversation", "template", "payload"] where json[member] == nil {
                problems.append("no \(member)")
            }
            return problems
        }
    }

    /// The platform's push API: master-key headers and `{"data", "prod", "where"}`.
    static func platform(clock: any DeliveryClock, expectProd: String = "prod") -> StandInServer {
        StandInServer(path: "/1.1/push", clock: clock) { headers, body in
            var problems: [String] = []
            if headers["x-lc-id"] != appId { problems.append("X-LC-Id \(headers["x-lc-id"] ?? "none")") }
            if headers["x-lc-key"] != "\(masterKey),master" { problems.append("X-LC-Key is not the master key") }
            guard let json = try? JSONParser.parse(body) else { return problems + ["body is not JSON"] }
            if json["data"]?["pushId"]?.stringValue == nil { problems.append("data has no pushId") }
            if json["prod"] != .string(expectProd) { problems.append("prod is not \(expectProd)") }
            if json["where"] == nil { problems.append("no where") }
            return problems
        }
    }
}
