import Delivery
import Foundation
import Storage

/// What travels in a `NOTIFY`: who sent it and what changed. State changes go on one
/// channel as small JSON objects naming keys (values are read back from the tables);
/// work goes on another as `instance provider`.
enum ClusterMessage {
    static let stateChannel = "pushcompose_state"
    static let workChannel = "pushcompose_work"

    private struct Body: Codable {
        /// The sending instance.
        var i: String
        /// client, conversation, mute, devices, templates, override.
        var k: String
        var c: String?
        var u: String?
        /// The experiment of an override.
        var x: String?
    }

    static func state(_ change: StateChange, from instance: String) -> String {
        let body: Body
        switch change {
        case .client(let id): body = Body(i: instance, k: "client", u: id)
        case .conversation(let id): body = Body(i: instance, k: "conversation", c: id)
        case .mute(let conversation, let client): body = Body(i: instance, k: "mute", c: conversation, u: client)
        case .devices(let client): body = Body(i: instance, k: "devices", u: client)
        case .templates: body = Body(i: instance, k: "templates")
        case .experimentOverride(let experiment, let unit): body = Body(i: instance, k: "override", u: unit, x: experiment)
        }
        return String(decoding: try! JSONEncoder().encode(body), as: UTF8.self)
    }

    /// The sender and the change; nil for a message this release does not know.
    static func state(_ payload: String) -> (instance: String, change: StateChange)? {
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(payload.utf8)) else { return nil }
        switch (body.k, body.c, body.u) {
        case ("client", _, let id?): return (body.i, .client(id))
        case ("conversation", let id?, _): return (body.i, .conversation(id))
        case ("mute", let conversation?, let client?): return (body.i, .mute(conversation: conversation, client: client))
        case ("devices", _, let client?): return (body.i, .devices(of: client))
        case ("templates", _, _): return (body.i, .templates)
        case ("override", _, let unit?):
            guard let experiment = body.x else { return nil }
            return (body.i, .experimentOverride(experiment: experiment, unit: unit))
        default: return nil
        }
    }

    static func work(_ provider: ProviderKind, from instance: String) -> String {
        "\(instance) \(provider.rawValue)"
    }

    static func work(_ payload: String) -> (instance: String, provider: ProviderKind)? {
        guard let space = payload.lastIndex(of: " "), let provider = ProviderKind(rawValue: String(payload[payload.index(after: space)...])) else {
            return nil
        }
        return (String(payload[..<space]), provider)
    }
}
