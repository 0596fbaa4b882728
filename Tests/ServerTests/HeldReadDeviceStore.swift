import Delivery
import Foundation
import Synchronization

/// A real device store whose next many-client read, once it has its rows, is held until
/// the test releases it: the test can change the devices between the read and its
/// return. Everything else goes straight to the store.
final class HeldReadDeviceStore: DeviceStore {
    private struct State {
        var holdNext = false
        var held: CheckedContinuation<Void, Never>?
        var released = false
    }

    private let base: any DeviceStore
    private let state = Mutex(State())
    private let heldEvents: AsyncStream<Void>
    private let heldSignal: AsyncStream<Void>.Continuation

    init(_ base: any DeviceStore) {
        self.base = base
        (heldEvents, heldSignal) = AsyncStream.makeStream(of: Void.self)
    }

    func holdNextRead() {
        state.withLock { $0.holdNext = true }
    }

    /// Returns once the read is held, its rows read.
    func waitUntilHeld() async {
        for await _ in heldEvents { return }
    }

    func release() {
        let held = state.withLock { state in
            state.released = true
            defer { state.held = nil }
            return state.held
        }
        held?.resume()
    }

    func devices(of clientIds: [String]) async throws -> [String: [Device]] {
        let read = try await base.devices(of: clientIds)
        let hold = state.withLock { state in
            defer { state.holdNext = false }
            return state.holdNext
        }
        guard hold else { return read }
        await withCheckedContinuation { continuation in
            let releasedAlready = state.withLock { state in
                if state.released { return true }
                state.held = continuation
                return false
            }
            if releasedAlready { continuation.resume() }
            heldSignal.yield()
        }
        return read
    }

    func register(_ registration: DeviceRegistration, now: Date) async throws -> DeviceRegistrationResult {
        try await base.register(registration, now: now)
    }

    func devices(of clientId: String) async throws -> [Device] {
        try await base.devices(of: clientId)
    }

    func remove(provider: ProviderKind, token: String, of clientId: String?) async throws -> Device? {
        try await base.remove(provider: provider, token: token, of: clientId)
    }

    func newestLocales(of clientIds: [String]) async throws -> [String: String] {
        try await base.newestLocales(of: clientIds)
    }

    func clientsWithDevices() async throws -> Set<String> {
        try await base.clientsWithDevices()
    }
}
