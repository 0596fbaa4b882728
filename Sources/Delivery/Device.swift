import Foundation

/// A device registered for a client id. A token belongs to one client id at a time.
public struct Device: Sendable, Hashable {
    public var clientId: String
    public var address: DeviceAddress
    public var locale: String?
    public var createdAt: Date
    /// When it was last registered (re-registering refreshes it).
    public var lastSeenAt: Date

    public init(clientId: String, address: DeviceAddress, locale: String?, createdAt: Date, lastSeenAt: Date) {
        self.clientId = clientId
        self.address = address
        self.locale = locale
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }

    public var provider: ProviderKind { address.provider }
    public var token: String { address.token }
}
