import Delivery
import Foundation
import SQLiteStorage
@testable import Server
import XCTest

/// The hook asks the database only about receivers that have a device; the in-memory
/// set of such clients follows every change made through it.
final class DeviceIndexTests: XCTestCase {
    private func device(_ client: String, _ token: String) throws -> DeviceRegistration {
        try DeviceRegistration(clientId: client, address: DeviceAddress(provider: .webhook, token: token)).validated()
    }

    func testTheSetFollowsRegistrationsMovesAndRemovals() async throws {
        let data = try makeTemporaryDirectory()
        let store = SQLiteDeviceStore(database: try SQLiteDeliveryDatabase(directory: data, durability: .normal))
        let index = DeviceIndex(store: store)
        let nobody = try await index.devices(of: ["Jerry", "Spike"])
        XCTAssertEqual(nobody, [:])

        _ = try await index.register(try device("Jerry", "t1"), now: Date())
        _ = try await index.register(try device("Jerry", "t2"), now: Date())
        var known = try await index.clientsWithDevices()
        XCTAssertEqual(known, ["Jerry"])
        let found = try await index.devices(of: ["Jerry", "Spike"])
        XCTAssertEqual(found["Jerry"]?.count, 2)

        // t1 moves to Spike: Jerry keeps t2.
        _ = try await index.register(try device("Spike", "t1"), now: Date())
        known = try await index.clientsWithDevices()
        XCTAssertEqual(known, ["Jerry", "Spike"])
        // t2 moves too: Jerry has none left.
        _ = try await index.register(try device("Spike", "t2"), now: Date())
        known = try await index.clientsWithDevices()
        XCTAssertEqual(known, ["Spike"])

        // Removed through another client's path: nothing changes.
        let notJerrys = try await index.remove(provider: .webhook, token: "t1", of: "Jerry")
        XCTAssertNil(notJerrys)
        _ = try await index.remove(provider: .webhook, token: "t1", of: nil)
        known = try await index.clientsWithDevices()
        XCTAssertEqual(known, ["Spike"])
        _ = try await index.remove(provider: .webhook, token: "t2", of: "Spike")
        known = try await index.clientsWithDevices()
        XCTAssertEqual(known, [])

        // A new process reads the set from the store.
        _ = try await store.register(try device("Tyke", "t3"), now: Date())
        let reopened = try await DeviceIndex(store: store).clientsWithDevices()
        XCTAssertEqual(reopened, ["Tyke"])
    }

    /// A client's last device removed while a new one is registered: whichever goes
    /// first, the set ends as the store does.
    func testConcurrentChangesForOneClientLeaveTheSetAsTheStoreIs() async throws {
        let data = try makeTemporaryDirectory()
        let store = SQLiteDeviceStore(database: try SQLiteDeliveryDatabase(directory: data, durability: .normal))
        let index = DeviceIndex(store: store)
        for round in 0..<200 {
            _ = try await index.register(try device("Jerry", "old-\(round)"), now: Date())
            let newDevice = try device("Jerry", "new-\(round)")
            async let removed = index.remove(provider: .webhook, token: "old-\(round)", of: "Jerry")
            async let registered = index.register(newDevice, now: Date())
            _ = try await (removed, registered)
            let inMemory = try await index.clientsWithDevices()
            let stored = try await store.clientsWithDevices()
            XCTAssertEqual(inMemory, stored, "round \(round)")
            guard inMemory == stored else { return }
            _ = try await index.remove(provider: .webhook, token: "new-\(round)", of: "Jerry")
        }
    }
}
