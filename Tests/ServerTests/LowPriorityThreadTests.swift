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

    /// The name the system knows the calling thread by (what `top -H` and `perf` show).
    private static func systemName() -> String {
        let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        return comm.trimmingCharacters(in: .newlines)
    }

    func testWorkRunsAtTheLowestPriorityAndTheCallerKeepsItsOwn() throws {
        let before = Self.niceness()
        let seen = Mutex<(niceness: Int32, onAnotherThread: Bool, name: String)?>(nil)
        LowPriorityThread.run(name: "pc-test-thread-name") { seen.withLock { $0 = (Self.niceness(), !Thread.isMainThread, Self.systemName()) } }
        let (niceness, onAnotherThread, name) = try XCTUnwrap(seen.withLock { $0 })
        XCTAssertEqual(niceness, LowPriorityThread.niceness)
        XCTAssertTrue(onAnotherThread)
        XCTAssertEqual(name, "pc-test-thread-", "the system's name, cut to 15 bytes")
        XCTAssertEqual(Self.niceness(), before)
    }
}
