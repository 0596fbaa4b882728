import Delivery
import Foundation
import SQLiteStorage
@testable import Server
import XCTest

/// The hook asks the database only about receivers that have a device, and keeps the
/// devices it read in memory; the set of such clients and the kept devices follow every
/// change made through the index or announced by another instance.
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

    /// What a hook reads equals what is stored after every change, though the second read
    /// of a client comes from memory.
    func testKeptDevicesFollowEveryChange() async throws {
        let data = try makeTemporaryDirectory()
        let store = SQLiteDeviceStore(database: try SQLiteDeliveryDatabase(directory: data, durability: .normal))
        let index = DeviceIndex(store: store)
        let clients = ["Jerry", "Spike"]
        func check(_ step: String) async throws {
            for _ in 0..<2 {  // the first read fills the cache, the second comes from it
                let read = try await index.devices(of: clients)
                let stored = try await store.devices(of: clients)
                XCTAssertEqual(read, stored, step)
            }
        }
        try await check("nobody has a device")
        _ = try await index.register(try device("Jerry", "t1"), now: Date())
        try await check("Jerry's first")
        _ = try await index.register(try device("Jerry", "t2"), now: Date())
        try await check("Jerry's second")
        _ = try await index.register(try device("Spike", "t1"), now: Date())
        try await check("t1 moved to Spike")
        _ = try await index.remove(provider: .webhook, token: "t2", of: "Jerry")
        try await check("Jerry's last removed")

        // Another instance registers a device for Spike: this one's memory is stale until
        // the change is announced, then it reads the store again.
        _ = try await store.register(try device("Spike", "t9"), now: Date().addingTimeInterval(1))
        let stale = try await index.devices(of: ["Spike"])
        XCTAssertEqual(stale["Spike"]?.map(\.token), ["t1"])
        try await index.refresh(client: "Spike")
        try await check("Spike's device from another instance, announced")
        try await index.reload()
        try await check("after a reload")
    }

    /// A read that had its rows before a change and returns after it does not leave them
    /// in memory: the next read is the store's.
    func testAReadThatRacedAChangeIsNotKept() async throws {
        let data = try makeTemporaryDirectory()
        let store = SQLiteDeviceStore(database: try SQLiteDeliveryDatabase(directory: data, durability: .normal))
        let held = HeldReadDeviceStore(store)
        let index = DeviceIndex(store: held)
        _ = try await index.register(try device("Jerry", "first"), now: Date())
        held.holdNextRead()
        async let racing = index.devices(of: ["Jerry"])
        await held.waitUntilHeld()
        _ = try await index.register(try device("Jerry", "second"), now: Date().addingTimeInterval(1))
        held.release()
        let before = try await racing
        XCTAssertEqual(before["Jerry"]?.map(\.token), ["first"])
        let after = try await index.devices(of: ["Jerry"])
        let stored = try await store.devices(of: ["Jerry"])
        XCTAssertEqual(after, stored)
        XCTAssertEqual(after["Jerry"]?.count, 2)
    }

    func testTheCacheIsBoundedAndKeepsWhatIsAskedAgain() {
        var cache = DeviceCache(limit: 10)
        let jerry = [Device(clientId: "Jerry", address: DeviceAddress(provider: .webhook, token: "t"), locale: nil, createdAt: Date(), lastSeenAt: Date())]
        cache.keep(["Jerry": jerry], asked: ["Jerry"], readSince: cache.generation)
        for client in 0..<100 {
            cache.keep([:], asked: ["c\(client)"], readSince: cache.generation)
            XCTAssertLessThan(cache.count, 10)
            XCTAssertEqual(cache.devices(of: "Jerry"), jerry, "after \(client)")  // asked each time: stays
        }
        XCTAssertNil(cache.devices(of: "c0"))
        XCTAssertEqual(cache.devices(of: "c99"), [])

        // A read begun before a change is not kept.
        let before = cache.generation
        cache.forget("Spike")
        cache.keep(["Spike": jerry], asked: ["Spike"], readSince: before)
        XCTAssertNil(cache.devices(of: "Spike"))
        cache.forgetAll()
        XCTAssertEqual(cache.count, 0)
    }
}
