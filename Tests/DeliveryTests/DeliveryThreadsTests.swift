import Delivery
import Foundation
import NIOCore
import XCTest

/// The workers' tasks, and the tasks they start, run on delivery's own threads.
final class DeliveryThreadsTests: XCTestCase {
    private static func threadName() -> String {
        (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
    }

    func testTasksPreferringTheThreadsRunOnTheirLoops() async throws {
        let threads = DeliveryThreads(threads: 2)
        let seen = await withTaskExecutorPreference(threads) {
            await withTaskGroup(of: (Bool, String).self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        let onLoop = threads.group.makeIterator().contains { $0.inEventLoop }
                        return (onLoop, Self.threadName())
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        XCTAssertEqual(seen.count, 16)
        XCTAssertTrue(seen.allSatisfy(\.0), "a task ran off delivery's loops: \(seen)")
        // The test's own task is not on them.
        XCTAssertFalse(threads.group.makeIterator().contains { $0.inEventLoop })
        try await threads.shutdown()
    }
}
