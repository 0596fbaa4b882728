import Delivery
import Foundation
import Synchronization

/// The device store, with the ids of the clients that have a device kept in memory: a
/// hook call asks the store only about receivers that have one, so calls to receivers
/// without devices (every call, until devices are registered) never touch the database.
///
/// Every change of this instance goes through here (admin routes, workers removing dead
/// tokens), and another instance's changes are announced (`refresh`), so the set stays
/// exact. Changes run one at a time: a removal that found a client without devices
/// must not forget them after a registration gave them one. It holds one id per client
/// with a device, and the devices of the clients asked about lately (`DeviceCache`),
/// forgotten at each change of theirs.
final class DeviceIndex: DeviceStore {
    /// Clients whose devices are kept in memory at most (about 0.5 KiB each).
    static let defaultCachedClients = 50_000

    private let store: any DeviceStore
    /// Nil until loaded from the store, at the first use.
    private let clients = Mutex<Set<String>?>(nil)
    private let cache: Mutex<DeviceCache>
    private let changes = SerialAsyncLock()

    init(store: any DeviceStore, cachedClients: Int = defaultCachedClients) {
        self.store = store
        cache = Mutex(DeviceCache(limit: cachedClients))
    }

    private func withDevices() async throws -> Set<String> {
        if let loaded = clients.withLock({ $0 }) { return loaded }
        let loaded = try await store.clientsWithDevices()
        return clients.withLock { current in
            if let current { return current }
            current = loaded
            return loaded
        }
    }

    func register(_ registration: DeviceRegistration, now: Date) async throws -> DeviceRegistrationResult {
        _ = try await withDevices()
        return try await changes.withLock {
            let result = try await store.register(registration, now: now)
            clients.withLock { _ = $0?.insert(result.device.clientId) }
            cache.withLock { cache in
                cache.forget(result.device.clientId)
                if let previous = result.movedFrom { cache.forget(previous) }
            }
            if let previous = result.movedFrom { try await forgetIfEmpty(previous) }
            return result
        }
    }

    /// Read from the store: the admin API's list shows what is stored, with its times.
    func devices(of clientId: String) async throws -> [Device] {
        try await store.devices(of: clientId)
    }

    func devices(of clientIds: [String]) async throws -> [String: [Device]] {
        let known = try await withDevices()
        let asked = clientIds.filter(known.contains)
        guard !asked.isEmpty else { return [:] }
        var found: [String: [Device]] = [:]
        var missing: [String] = []
        let generation = cache.withLock { cache in
            for clientId in asked {
                if let devices = cache.devices(of: clientId) {
                    if !devices.isEmpty { found[clientId] = devices }
                } else {
                    missing.append(clientId)
                }
            }
            return cache.generation
        }
        guard !missing.isEmpty else { return found }
        let read = try await store.devices(of: missing)
        cache.withLock { $0.keep(read, asked: missing, readSince: generation) }
        return found.merging(read) { cached, _ in cached }
    }

    func remove(provider: ProviderKind, token: String, of clientId: String?) async throws -> Device? {
        _ = try await withDevices()
        return try await changes.withLock {
            let removed = try await store.remove(provider: provider, token: token, of: clientId)
            if let removed {
                cache.withLock { $0.forget(removed.clientId) }
                try await forgetIfEmpty(removed.clientId)
            }
            return removed
        }
    }

    func newestLocales(of clientIds: [String]) async throws -> [String: String] {
        let known = try await withDevices()
        let asked = clientIds.filter(known.contains)
        guard !asked.isEmpty else { return [:] }
        return try await store.newestLocales(of: asked)
    }

    func clientsWithDevices() async throws -> Set<String> {
        try await withDevices()
    }

    /// Reads back whether a client has devices, after another instance changed them.
    func refresh(client clientId: String) async throws {
        cache.withLock { $0.forget(clientId) }
        guard clients.withLock({ $0 != nil }) else { return }
        try await changes.withLock {
            let has = try await !store.devices(of: clientId).isEmpty
            clients.withLock { _ = has ? $0?.insert(clientId) : $0?.remove(clientId) }
        }
    }

    /// Loads the set again: after announcements may have been missed.
    func reload() async throws {
        try await changes.withLock {
            let loaded = try await store.clientsWithDevices()
            clients.withLock { $0 = loaded }
            cache.withLock { $0.forgetAll() }
        }
    }

    private func forgetIfEmpty(_ clientId: String) async throws {
        if try await store.devices(of: clientId).isEmpty {
            clients.withLock { _ = $0?.remove(clientId) }
        }
    }
}
