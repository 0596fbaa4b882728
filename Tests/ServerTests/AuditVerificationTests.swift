import AuditLog
@testable import Server
import XCTest

final class AuditVerificationTests: XCTestCase {
    /// Holds every check until opened, counting how many were started.
    private actor Gate {
        private(set) var started = 0
        private var open = false
        private var held: [CheckedContinuation<Void, Never>] = []
        private var startWaiter: CheckedContinuation<Void, Never>?

        func check() async -> VerifyReport {
            started += 1
            startWaiter?.resume()
            startWaiter = nil
            if !open { await withCheckedContinuation { held.append($0) } }
            return VerifyReport(streams: [], since: nil)
        }

        func firstStarted() async {
            if started > 0 { return }
            await withCheckedContinuation { startWaiter = $0 }
        }

        func release() {
            open = true
            for continuation in held { continuation.resume() }
            held = []
        }
    }

    /// Calls that arrive while a check runs share it: however many ask at once, the files
    /// are read by one check, and each caller gets its report.
    func testCallsDuringACheckShareIt() async throws {
        let verification = AuditVerification()
        let gate = Gate()
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await verification.verify { await gate.check() } }
            await gate.firstStarted()
            for _ in 0..<4 {
                group.addTask {
                    enteredContinuation.yield()
                    try await verification.verify { await gate.check() }
                }
            }
            var arrivals = 0
            for await _ in entered {
                arrivals += 1
                if arrivals == 4 { break }
            }
            await gate.release()
            try await group.waitForAll()
        }
        let started = await gate.started
        XCTAssertEqual(started, 1)
        XCTAssertEqual(verification.json(chainOn: true)["state"], .string("ok"))
    }

    /// Once a check has finished, the next call runs a check of its own (a shared report is
    /// never an old one).
    func testACallAfterACheckRunsItsOwn() async throws {
        let verification = AuditVerification()
        let gate = Gate()
        await gate.release()
        try await verification.verify { await gate.check() }
        try await verification.verify { await gate.check() }
        let started = await gate.started
        XCTAssertEqual(started, 2)
    }
}
