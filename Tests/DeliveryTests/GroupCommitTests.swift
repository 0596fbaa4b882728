@testable import Delivery
import Synchronization
import XCTest

final class GroupCommitTests: XCTestCase {
    /// A caller that finds a commit under way, and gets to wait only after it ended, must
    /// lead the next commit itself: nobody else is left to hand it the turn.
    func testNoCallerIsLeftWaitingWhenTheCommitItWaitedForEndsFirst() async throws {
        let group = GroupCommit<Int, Int> { items in items.map { $0 * 2 } }
        // Raced against a deadline without waiting for the loser: a stuck caller never returns.
        let finished = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            let outcome = Once(done)
            Task {
                for round in 0..<20_000 {
                    async let first = group.submit([round])
                    async let second = group.submit([-round])
                    let (a, b) = try await (first, second)
                    XCTAssertEqual(a, [round * 2])
                    XCTAssertEqual(b, [-round * 2])
                }
                outcome.resume(true)
            }
            Task {
                try? await Task.sleep(for: .seconds(30))
                outcome.resume(false)
            }
        }
        XCTAssertTrue(finished, "a caller was left waiting")
    }

    func testEachCallerGetsItsOwnOutputsWhenCommitsAreShared() async throws {
        let commits = CommitLog()
        let group = GroupCommit<Int, Int> { items in
            commits.add(items.count)
            return items.map { $0 + 1 }
        }
        try await withThrowingTaskGroup(of: Void.self) { callers in
            for caller in 0..<64 {
                callers.addTask {
                    let outputs = try await group.submit([caller * 10, caller * 10 + 1])
                    XCTAssertEqual(outputs, [caller * 10 + 1, caller * 10 + 2])
                }
            }
            try await callers.waitForAll()
        }
        XCTAssertEqual(commits.sizes.reduce(0, +), 128)
    }
}

/// Resumes a continuation with the first value given, and ignores the others.
private final class Once: Sendable {
    private let continuation: Mutex<CheckedContinuation<Bool, Never>?>
    init(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation = Mutex(continuation) }
    func resume(_ value: Bool) {
        let waiting = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: value)
    }
}

private final class CommitLog: Sendable {
    private let log = Mutex<[Int]>([])
    func add(_ size: Int) { log.withLock { $0.append(size) } }
    var sizes: [Int] { log.withLock { $0 } }
}
