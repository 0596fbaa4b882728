import Delivery
import NIOCore
import XCTest

/// The workers' tasks, and the tasks they start, run on delivery's own threads.
final class DeliveryThreadsTests: XCTestCase {
    func testTasksPreferringTheThreadsRunOnTheirLoops() async throws {
        let threads = DeliveryThreads(threads: 2)
        let seen = await withTaskExecutorPreference(threads) {
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<16 {
                    group.addTask { threads.group.makeIterator().contains { $0.inEventLoop } }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        XCTAssertEqual(seen.count, 16)
        XCTAssertTrue(seen.allSatisfy { $0 }, "a task ran off delivery's loops: \(seen)")
        // The test's own task is not on them.
        XCTAssertFalse(threads.group.makeIterator().contains { $0.inEventLoop })
        try await threads.shutdown()
    }
}
