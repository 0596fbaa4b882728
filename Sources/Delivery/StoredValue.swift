import Foundation

/// How storage drivers write the values they share: times as milliseconds since 1970
/// (every database indexes integers), enumerations as their raw text.
public enum StoredValue {
    /// A stored text that names no known value: a database written by a newer release,
    /// or edited by hand.
    public struct Unknown: Error, CustomStringConvertible {
        public var column: String
        public var value: String
        public var description: String { "the database holds an unknown \(column) '\(value)'" }

        public init(column: String, value: String) {
            self.column = column
            self.value = value
        }
    }

    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    public static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// A device's address from its `provider`, `token`, `platform`, `apns_environment`
    /// and `topic` columns (devices and jobs share them).
    public static func address(provider providerText: String, token: String, platform: String?, apnsEnvironment: String?, topic: String?) throws
        -> DeviceAddress
    {
        guard let provider = ProviderKind(rawValue: providerText) else { throw Unknown(column: "provider", value: providerText) }
        var environment: APNsEnvironment?
        if let text = apnsEnvironment {
            guard let value = APNsEnvironment(rawValue: text) else { throw Unknown(column: "apns_environment", value: text) }
            environment = value
        }
        return DeviceAddress(provider: provider, token: token, platform: platform, apnsEnvironment: environment, topic: topic)
    }
}
