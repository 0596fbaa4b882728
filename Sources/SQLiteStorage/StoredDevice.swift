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
        let providerText: String = row["provider"]
        guard let provider = ProviderKind(rawValue: providerText) else { throw UnknownValue(column: "provider", value: providerText) }
        var environment: APNsEnvironment?
        if let text: String = row["apns_environment"] {
            guard let value = APNsEnvironment(rawValue: text) else { throw UnknownValue(column: "apns_environment", value: text) }
            environment = value
        }
        return DeviceAddress(provider: provider, token: row["token"], platform: row["platform"], apnsEnvironment: environment, topic: row["topic"])
    }
}
