import Delivery
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The workers' tasks, and the tasks they start, run on delivery's own threads, at the
/// lower priority those threads were given.
final class DeliveryThreadsTests: XCTestCase {
    private static func niceness() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    private static func threadName() -> String {
        (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
    }

    func testTasksPreferringTheThreadsRunThereAtTheirPriority() async throws {
        let threads = DeliveryThreads(threads: 2, niceness: 3)
        let before = Self.niceness()
        let seen = await withTaskExecutorPreference(threads) {
            await withTaskGroup(of: (Int32, String).self) { group in
                for _ in 0..<16 {
                    group.addTask { (Self.niceness(), Self.threadName()) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        XCTAssertEqual(Set(seen.map(\.0)), [min(before + 3, 19)], "\(seen)")
        XCTAssertTrue(seen.allSatisfy { $0.1.hasPrefix("NIO-ELT") }, "\(seen)")
        // The test's own thread kept its priority.
        XCTAssertEqual(Self.niceness(), before)
        try await threads.shutdown()
    }
}
