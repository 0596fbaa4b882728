import Foundation
import PostgresStorage
import Storage
import Synchronization
import XCTest

/// What only the PostgreSQL experiment store does: it tells the other instances when an
/// override changes, so that they assign the forced variant too.
final class PostgresExperimentStoreTests: XCTestCase {
    /// Setting and removing an override are heard by the other instance, once each
    /// committed; removing one that is not there announces nothing.
    func testOverrideChangesReachTheOtherInstances() async throws {
        let database = try await PostgresTestDatabase.make()
        addTeardownBlock { await database.close() }
        let heard = Mutex<[ClusterEvent]>([])
        let listening = Task {
            try await PostgresClusterFeed(database: database, instanceId: "b").listen { event in heard.withLock { $0.append(event) } }
        }
        defer { listening.cancel() }
        let listens = await yield(until: { heard.withLock { !$0.isEmpty } }, timeout: .seconds(10))
        XCTAssertTrue(listens)

        let store = PostgresExperimentStore(database: database, instanceId: "a")
        try await store.setOverride(ExperimentOverride(experiment: "greeting", unit: "Tom", variant: "short", createdAt: 1_700_000_000))
        let removed = try await store.removeOverride(experiment: "greeting", unit: "Tom")
        let nothing = try await store.removeOverride(experiment: "greeting", unit: "Jerry")
        XCTAssertTrue(removed)
        XCTAssertFalse(nothing)
        // Announced after the removals: had the empty one announced itself, it came first.
        try await PostgresClusterFeed(database: database, instanceId: "a").publish(.templates)
        let expected: [ClusterEvent] = [
            .resynchronize, .changed(.experimentOverride(experiment: "greeting", unit: "Tom")),
            .changed(.experimentOverride(experiment: "greeting", unit: "Tom")), .changed(.templates),
        ]
        let all = await yield(until: { heard.withLock { $0.count >= expected.count } }, timeout: .seconds(10))
        XCTAssertTrue(all, "\(heard.withLock { $0 })")
        XCTAssertEqual(heard.withLock { $0 }, expected)
    }
}
