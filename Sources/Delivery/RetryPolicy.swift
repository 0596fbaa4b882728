import Foundation

/// When a failed attempt is tried again: exponential backoff with full jitter (a random
/// delay between zero and `baseDelay · 2^(attempt−1)`, capped at `maxDelay`), never
/// before the provider's `Retry-After`; given up after `maxAttempts` attempts or once
/// the next attempt would fall after `maxAge` from when the job was queued.
public struct RetryPolicy: Sendable, Equatable {
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var maxAttempts: Int
    public var maxAge: Duration

    public init(baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(3600), maxAttempts: Int = 12, maxAge: Duration = .seconds(86400)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }

    public enum Decision: Sendable, Equatable {
        case retry(at: Date)
        case giveUp(reason: String)
    }

    /// What to do after attempt number `attempts` failed with `reason` at `now`.
    public func decide(
        attempts: Int, queuedAt: Date, now: Date, retryAfter: Duration?, reason: String,
        using random: inout some RandomNumberGenerator
    ) -> Decision {
        if attempts >= maxAttempts {
            return .giveUp(reason: "gave up after \(attempts) attempts: \(reason)")
        }
        var delay = jitteredDelay(afterAttempt: attempts, using: &random)
        if let retryAfter, retryAfter > delay { delay = retryAfter }
        let next = now.addingTimeInterval(delay.seconds)
        if next > queuedAt.addingTimeInterval(maxAge.seconds) {
            return .giveUp(reason: "older than the maximum age (\(maxAge.seconds) s) at the next attempt: \(reason)")
        }
        return .retry(at: next)
    }

    /// Whether a claimed job is past its limits before it is sent (it was claimed by
    /// workers that died, and counted their attempts, or waited past its age).
    public func exhausted(attempts: Int, queuedAt: Date, now: Date) -> String? {
        if attempts > maxAttempts { return "gave up after \(attempts - 1) attempts" }
        if now > queuedAt.addingTimeInterval(maxAge.seconds) { return "older than the maximum age (\(maxAge.seconds) s)" }
        return nil
    }

    func jitteredDelay(afterAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(max(attempt - 1, 0), 62)
        let ceiling = min(maxDelay.seconds, baseDelay.seconds * pow(2, Double(exponent)))
        guard ceiling > 0 else { return .zero }
        return .milliseconds(Int64(Double.random(in: 0...ceiling, using: &random) * 1000))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
