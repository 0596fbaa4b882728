/// What a provider needs to reach one device: kept with each job, so a job is sent to
/// the device as it was when the push was queued.
public struct DeviceAddress: Sendable, Hashable {
    public var provider: ProviderKind
    public var token: String
    /// The device's operating system as the app registered it (`ios`, `android`, …).
    public var platform: String?
    public var apnsEnvironment: APNsEnvironment?
    /// The APNs topic (bundle id) when it differs from the configured one.
    public var topic: String?

    public init(provider: ProviderKind, token: String, platform: String? = nil, apnsEnvironment: APNsEnvironment? = nil, topic: String? = nil) {
        self.provider = provider
        self.token = token
        self.platform = platform
        self.apnsEnvironment = apnsEnvironment
        self.topic = topic
    }
}
