import NIOCore
import NIOPosix
import Synchronization
@testable import Server
import XCTest

/// Callers waiting for another thread's work are resumed on the event loop they were on.
final class LoopWaiterTests: XCTestCase {
    func testEachWaiterResumesOnItsOwnLoopInOrder() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = [group.next(), group.next()]
        XCTAssertFalse(loops[0] === loops[1])
        let resumed = Mutex<[(waiter: Int, onItsLoop: Bool)]>([])
        var waiters: [LoopWaiter] = []
        for n in 0..<20 {
            let loop = loops[n % 3 == 0 ? 0 : 1]
            waiters.append(LoopWaiter(loop: loop) { resumed.withLock { $0.append((n, loop.inEventLoop)) } })
        }
        waiters.append(LoopWaiter(loop: nil) { resumed.withLock { $0.append((20, true)) } })
        waiters.resumeAll()
        // The loops have run what was put on them once a task put on each after it has.
        for loop in loops { try await loop.submit {}.get() }
        let result = resumed.withLock { $0 }
        XCTAssertEqual(result.count, 21)
        XCTAssertTrue(result.allSatisfy(\.onItsLoop))
        for loop in 0..<2 {
            let order = result.map(\.waiter).filter { $0 < 20 && ($0 % 3 == 0) == (loop == 0) }
            XCTAssertEqual(order, order.sorted(), "loop \(loop)")
        }
        try await group.shutdownGracefully()
    }

    func testAWaiterKnowsTheLoopItWasMadeOn() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let madeOnLoop = try await loop.submit { LoopWaiter.onCurrentLoop {}.loop }.get()
        XCTAssertTrue(madeOnLoop === loop)
        XCTAssertNil(LoopWaiter.onCurrentLoop {}.loop)
        try await group.shutdownGracefully()
    }
}
