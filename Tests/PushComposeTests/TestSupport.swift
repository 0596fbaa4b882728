import Foundation
import PushCompose
import XCTest

/// A template written in Swift, for testing the composer without the Templates module:
/// its payload is `body(input)`, its placeholders come from a dictionary.
struct TestTemplate: PushTemplate {
    typealias Body = @Sendable (RenderInput) throws -> [(key: String, value: JSONValue)]

    var name: String
    var policy: PushPolicy
    var dependsOnReceiverIdentity: Bool
    var namesReceiver: Bool
    /// Placeholder key (`image`, `7`, `app`, `private`, …) → text; missing keys render `<key>`.
    var placeholders: [String: String]
    var body: Body

    init(
        name: String = "default", policy: PushPolicy = PushPolicy(), dependsOnReceiverIdentity: Bool = false, namesReceiver: Bool = false,
        placeholders: [String: String] = TestTemplate.standardPlaceholders, body: @escaping Body = TestTemplate.standardBody
    ) {
        self.name = name
        self.policy = policy
        self.dependsOnReceiverIdentity = dependsOnReceiverIdentity
        self.namesReceiver = namesReceiver
        self.placeholders = placeholders
        self.body = body
    }

    static let standardPlaceholders: [String: String] = [
        "image": "[Image]", "audio": "[Voice]", "video": "[Video]", "location": "[Location]", "file": "[File]",
        "recalled": "recalled a message", "app": "[Message]", "7": "[Sticker]", "unknown": "[Unknown]",
        "private": "sent you a message",
    ]

    /// `alert` by mention, then `sound`.
    static let standardBody: Body = { input in
        let alert: String
        switch input.receiver.mention {
        case .none: alert = "\(input.sender.name): \(input.text)"
        case .you: alert = "\(input.sender.name) mentioned you: \(input.text)"
        case .all: alert = "\(input.sender.name) @all: \(input.text)"
        }
        return [(key: "alert", value: .string(alert)), (key: "sound", value: .string("default"))]
    }

    func resolvedLocale(for locale: String) -> String? { nil }

    func placeholder(for kind: MessageKind?, locale: String) -> String {
        let keys: [String]
        switch kind {
        case nil: keys = ["private"]
        case .app(let code)?: keys = [String(code), "app"]
        case let kind?: keys = [kind.name]
        }
        for key in keys {
            if let text = placeholders[key] { return text }
        }
        return "<\(keys[0])>"
    }

    func render(_ input: RenderInput, locale: String?) throws -> [(key: String, value: JSONValue)] { try body(input) }
}

/// A selector that picks `selected` for every message, and falls back to `defaultTemplate`.
struct TestSelector: TemplateSelector {
    var fallback: TestTemplate
    var selected: TestTemplate?

    init(_ fallback: TestTemplate = TestTemplate(), selected: TestTemplate? = nil) {
        self.fallback = fallback
        self.selected = selected
    }

    var defaultTemplate: any PushTemplate { fallback }
    func template(for message: MessageFacts) -> any PushTemplate { selected ?? fallback }
}

/// A registry held in memory.
struct TestRegistry: RegistryLookup {
    var clients: [String: ClientEntry] = [:]
    var conversations: [String: ConversationEntry] = [:]
    var mutes: [String: Set<String>] = [:]  // conversation → clients

    func client(_ id: String) -> ClientEntry? { clients[id] }
    func conversation(_ id: String) -> ConversationEntry? { conversations[id] }
    func mutedClients(conversation: String) -> Set<String> { mutes[conversation] ?? [] }
}

/// The seed's text message content.
func textContent(_ text: String) -> String {
    JSONEncoding.string(.object([(key: "_lctext", value: .string(text)), (key: "_lctype", value: .number(-1))]))
}

func makeHook(
    from sender: String = "Tom", conversation: String = "conv-1", to receivers: [String] = ["Jerry"],
    content: String = textContent("hi"), mentionAll: Bool = false, mentioned: [String] = [], timestamp: Double? = 1_472_200_796_764
) -> ReceiversOfflineHook {
    ReceiversOfflineHook(
        fromPeer: sender, convId: conversation, offlinePeers: receivers, content: content, timestamp: timestamp,
        mentionAll: mentionAll, mentionOfflinePeers: mentioned)
}

/// A payload string decoded with Foundation's parser, so the encoder is checked by another implementation.
func decodeObject(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
    return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(json)", file: file, line: line)
}

/// The `alert` of a payload string.
func alert(of payload: String?, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let payload = try XCTUnwrap(payload, "no payload", file: file, line: line)
    let object = try decodeObject(payload, file: file, line: line)
    return try XCTUnwrap(object["alert"] as? String, "no alert in \(payload)", file: file, line: line)
}

/// The payload `TestTemplate.standardBody` renders with the default policy (badge Increment),
/// written out by hand; `alert` must need no JSON escaping.
func standardPayload(_ alert: String) -> String {
    #"{"alert":""# + alert + #"","sound":"default","badge":"Increment"}"#
}
