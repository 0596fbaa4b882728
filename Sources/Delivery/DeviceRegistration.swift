/// A device as a client registers it: validated before it is stored, so the admin API
/// can answer 400 naming the field that was wrong.
public struct DeviceRegistration: Sendable, Hashable {
    public var clientId: String
    public var address: DeviceAddress
    public var locale: String?

    public init(clientId: String, address: DeviceAddress, locale: String? = nil) {
        self.clientId = clientId
        self.address = address
        self.locale = locale
    }

    /// Sizes in UTF-8 bytes beyond which a field is refused.
    public enum Limits {
        public static let clientIdBytes = 256
        public static let tokenBytes = 4096
        public static let platformBytes = 32
        public static let localeBytes = 64
        public static let topicBytes = 255
    }

    /// The registration as it is stored: fields checked, an APNs device's environment
    /// defaulting to production.
    public func validated() throws(DeviceRegistrationError) -> DeviceRegistration {
        try Self.check("clientId", clientId, maxBytes: Limits.clientIdBytes)
        try Self.check("token", address.token, maxBytes: Limits.tokenBytes)
        if let platform = address.platform { try Self.check("platform", platform, maxBytes: Limits.platformBytes) }
        if let locale { try Self.check("locale", locale, maxBytes: Limits.localeBytes) }
        if let topic = address.topic { try Self.check("topic", topic, maxBytes: Limits.topicBytes) }
        var result = self
        if address.provider == .apns {
            guard address.token.utf8.allSatisfy(\.isHexDigit) else {
                throw DeviceRegistrationError(field: "token", reason: "an APNs token is hexadecimal")
            }
            result.address.apnsEnvironment = address.apnsEnvironment ?? .production
        } else {
            if address.apnsEnvironment != nil {
                throw DeviceRegistrationError(field: "environment", reason: "only an apns device has an APNs environment")
            }
            if address.topic != nil {
                throw DeviceRegistrationError(field: "topic", reason: "only an apns device has a topic")
            }
        }
        return result
    }

    private static func check(_ field: String, _ value: String, maxBytes: Int) throws(DeviceRegistrationError) {
        if value.isEmpty { throw DeviceRegistrationError(field: field, reason: "must not be empty") }
        if value.utf8.count > maxBytes { throw DeviceRegistrationError(field: field, reason: "is longer than \(maxBytes) bytes") }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw DeviceRegistrationError(field: field, reason: "must not contain control characters")
        }
    }
}

/// A registration refused, naming the field.
public struct DeviceRegistrationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "device '\(field)' \(reason)" }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
