import Foundation

/// Where devices are kept. Drivers: SQLite (embedded); PostgreSQL (shared by instances).
///
/// A token belongs to one client id: registering a provider and token that exist moves
/// them to the new client id. A client id holds at most the store's limit of devices;
/// registering one more drops the least recently seen.
public protocol DeviceStore: Sendable {
    /// Stores a validated registration (`DeviceRegistration.validated()`) at `now`.
    func register(_ registration: DeviceRegistration, now: Date) async throws -> DeviceRegistrationResult
    /// A client's devices, most recently seen first.
    func devices(of clientId: String) async throws -> [Device]
    /// The devices of many clients in one query (a group message), most recently seen
    /// first per client; clients without devices are absent.
    func devices(of clientIds: [String]) async throws -> [String: [Device]]
    /// Removes a device, only when it is `clientId`'s if one is given, in one step; nil
    /// when there was none. Used by the admin API (with the client) and when a provider
    /// answers that the token is dead (without: a dead token is dead whoever has it).
    @discardableResult
    func remove(provider: ProviderKind, token: String, of clientId: String?) async throws -> Device?
    /// The locale of each client's most recently seen device that has one; clients
    /// without such a device are absent.
    func newestLocales(of clientIds: [String]) async throws -> [String: String]
    /// The ids of every client that has a device.
    func clientsWithDevices() async throws -> Set<String>
}

/// What a registration did.
public struct DeviceRegistrationResult: Sendable, Equatable {
    public var device: Device
    /// The client id the token belonged to before, when it moved.
    public var movedFrom: String?
    /// Devices dropped to keep the client within the limit.
    public var dropped: [Device]

    public init(device: Device, movedFrom: String?, dropped: [Device]) {
        self.device = device
        self.movedFrom = movedFrom
        self.dropped = dropped
    }
}

extension DeviceStore {
    /// Removes a device whoever has it.
    @discardableResult
    public func remove(provider: ProviderKind, token: String) async throws -> Device? {
        try await remove(provider: provider, token: token, of: nil)
    }

    /// The locale of a client's most recently seen device that has one.
    public func newestLocale(of clientId: String) async throws -> String? {
        try await newestLocales(of: [clientId])[clientId]
    }
}
