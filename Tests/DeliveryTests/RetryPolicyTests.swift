@testable import Delivery
import Foundation
import XCTest

final class RetryPolicyTests: XCTestCase {
    private let start = Date(timeIntervalSince1970: 1_700_000_000)

    func testFullJitterStaysUnderTheExponentialCeiling() {
        let policy = RetryPolicy(baseDelay: .seconds(2), maxDelay: .seconds(60), maxAttempts: 100, maxAge: .seconds(1_000_000))
        var random = SystemRandomNumberGenerator()
        for attempt in 1...10 {
            let ceiling = min(60, 2 * pow(2, Double(attempt - 1)))
            var sawAboveHalf = false
            for _ in 0..<200 {
                let delay = policy.jitteredDelay(afterAttempt: attempt, using: &random).seconds
                XCTAssertGreaterThanOrEqual(delay, 0)
                XCTAssertLessThanOrEqual(delay, ceiling)
                if delay > ceiling / 2 { sawAboveHalf = true }
            }
            XCTAssertTrue(sawAboveHalf, "attempt \(attempt): the jitter spans the whole range")
        }
    }

    func testRetryAfterIsNeverUndercut() {
        let policy = RetryPolicy(baseDelay: .milliseconds(10), maxDelay: .seconds(1), maxAttempts: 5, maxAge: .seconds(3600))
        var random = SystemRandomNumberGenerator()
        let decision = policy.decide(attempts: 1, queuedAt: start, now: start, retryAfter: .seconds(120), reason: "HTTP 429", using: &random)
        guard case .retry(let at) = decision else { return XCTFail("\(decision)") }
        XCTAssertGreaterThanOrEqual(at, start.addingTimeInterval(120))
    }

    func testGivesUpAfterMaxAttemptsWithTheLastReason() {
        let policy = RetryPolicy(maxAttempts: 3)
        var random = SystemRandomNumberGenerator()
        XCTAssertEqual(
            policy.decide(attempts: 3, queuedAt: start, now: start, retryAfter: nil, reason: "HTTP 503", using: &random),
            .giveUp(reason: "gave up after 3 attempts: HTTP 503"))
        XCTAssertEqual(policy.exhausted(attempts: 4, queuedAt: start, now: start), "gave up after 3 attempts")
        XCTAssertNil(policy.exhausted(attempts: 3, queuedAt: start, now: start))
    }

    func testGivesUpWhenTheNextAttemptWouldPassTheMaximumAge() {
        let policy = RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(1), maxAttempts: 100, maxAge: .seconds(60))
        var random = SystemRandomNumberGenerator()
        let decision = policy.decide(
            attempts: 2, queuedAt: start, now: start.addingTimeInterval(30), retryAfter: .seconds(40), reason: "HTTP 429", using: &random)
        guard case .giveUp(let reason) = decision else { return XCTFail("\(decision)") }
        XCTAssertTrue(reason.contains("maximum age"), reason)
        XCTAssertNotNil(policy.exhausted(attempts: 1, queuedAt: start, now: start.addingTimeInterval(61)))
    }
}
