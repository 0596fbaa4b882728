/// A provider's configuration refused at start, naming the setting.
public struct ProviderConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var setting: String
    public var reason: String

    public init(setting: String, reason: String) {
        self.setting = setting
        self.reason = reason
    }

    public var description: String { "\(setting) \(reason)" }
}
