import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LowPriority
import Synchronization
import XCTest

/// Background work runs at the lowest CPU priority on a thread of its own, and leaves the
/// caller's priority as it was.
final class LowPriorityThreadTests: XCTestCase {
    private static func niceness() -> Int32 {
        errno = 0
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    func testWorkRunsAtTheLowestPriorityAndTheCallerKeepsItsOwn() throws {
        let before = Self.niceness()
        let seen = Mutex<(niceness: Int32, onAnotherThread: Bool)?>(nil)
        LowPriorityThread.run(name: "test") { seen.withLock { $0 = (Self.niceness(), !Thread.isMainThread) } }
        let (niceness, onAnotherThread) = try XCTUnwrap(seen.withLock { $0 })
        XCTAssertEqual(niceness, LowPriorityThread.niceness)
        XCTAssertTrue(onAnotherThread)
        XCTAssertEqual(Self.niceness(), before)
    }
}
