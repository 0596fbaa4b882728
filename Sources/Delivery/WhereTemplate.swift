import PushCompose

/// The platform push's `where` (which installations to push), as a JSON template over
/// the receiver: `{{receiver}}` (the client id) and `{{token}}` (the device's token)
/// are replaced in its string values; everything else is sent as written.
public struct WhereTemplate: Sendable, Equatable {
    public let template: JSONValue

    public static let placeholders = ["{{receiver}}", "{{token}}"]
    /// Addresses the installations of the receiver's client id.
    public static let receiverClientId = WhereTemplate(unchecked: .object([("clientId", .string("{{receiver}}"))]))

    private init(unchecked template: JSONValue) {
        self.template = template
    }

    /// Parses and checks the template: a JSON object whose strings use no other `{{…}}`.
    public init(json: String) throws(ProviderConfigurationError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(json)
        } catch {
            throw ProviderConfigurationError(setting: "platformWhere", reason: "is not JSON: \(error)")
        }
        guard case .object = value else { throw ProviderConfigurationError(setting: "platformWhere", reason: "must be a JSON object") }
        if let unknown = Self.unknownPlaceholder(in: value) {
            throw ProviderConfigurationError(
                setting: "platformWhere", reason: "uses \(unknown); only \(Self.placeholders.joined(separator: " and ")) are known")
        }
        template = value
    }

    public func render(receiver: String, token: String) -> JSONValue {
        Self.substitute(template, receiver: receiver, token: token)
    }

    private static func substitute(_ value: JSONValue, receiver: String, token: String) -> JSONValue {
        switch value {
        case .string(let text):
            return .string(text.replacingOccurrences(of: "{{receiver}}", with: receiver).replacingOccurrences(of: "{{token}}", with: token))
        case .array(let items):
            return .array(items.map { substitute($0, receiver: receiver, token: token) })
        case .object(let members):
            return .object(members.map { (key: $0.key, value: substitute($0.value, receiver: receiver, token: token)) })
        default:
            return value
        }
    }

    private static func unknownPlaceholder(in value: JSONValue) -> String? {
        switch value {
        case .string(var text):
            for known in placeholders { text = text.replacingOccurrences(of: known, with: "") }
            guard let open = text.range(of: "{{") else { return nil }
            let close = text[open.upperBound...].range(of: "}}")?.upperBound ?? text.endIndex
            return String(text[open.lowerBound..<close])
        case .array(let items):
            return items.lazy.compactMap(unknownPlaceholder).first
        case .object(let members):
            return members.lazy.compactMap { unknownPlaceholder(in: $0.value) }.first
        default:
            return nil
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
