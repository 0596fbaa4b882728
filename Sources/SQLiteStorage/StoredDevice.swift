import Delivery
import GRDB

/// Reads a device's address from a row's `provider`, `token`, `platform`,
/// `apns_environment` and `topic` columns (the device and job tables share them).
enum StoredDevice {
    struct UnknownValue: Error, CustomStringConvertible {
        var column: String
        var value: String
        var description: String { "the delivery database holds an unknown \(column) '\(value)'" }
    }

    static func address(_ row: Row) throws -> DeviceAddress {
        try address(
            provider: row["provider"], token: row["token"], platform: row["platform"],
            apnsEnvironment: row["apns_environment"], topic: row["topic"])
    }

    static func address(provider providerText: String, token: String, platform: String?, apnsEnvironment: String?, topic: String?) throws
        -> DeviceAddress
    {
        guard let provider = ProviderKind(rawValue: providerText) else { throw UnknownValue(column: "provider", value: providerText) }
        var environment: APNsEnvironment?
        if let text = apnsEnvironment {
            guard let value = APNsEnvironment(rawValue: text) else { throw UnknownValue(column: "apns_environment", value: text) }
            environment = value
        }
        return DeviceAddress(provider: provider, token: token, platform: platform, apnsEnvironment: environment, topic: topic)
    }
}
