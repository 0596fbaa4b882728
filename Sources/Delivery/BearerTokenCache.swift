import Foundation
import Synchronization

/// A provider's bearer token (the APNs JWT, the FCM access token), made once and shared
/// by every request until it is due for renewal. Concurrent callers that find it due
/// wait for one renewal rather than each making their own: APNs refuses a key that
/// makes new tokens too often, and a token exchange per request would cost a round trip.
final class BearerTokenCache: Sendable {
    struct Token: Sendable {
        var value: String
        /// From then on the next caller renews it.
        var renewAt: Date
    }

    private struct State {
        var token: Token?
        var renewal: Task<Token, any Error>?
    }

    private let state = Mutex(State())
    private let make: @Sendable () async throws -> Token
    private let clock: any DeliveryClock

    init(clock: any DeliveryClock, make: @escaping @Sendable () async throws -> Token) {
        self.clock = clock
        self.make = make
    }

    /// The current token, renewed first when it is due (or was refused).
    func token() async throws -> String {
        let now = clock.now()
        let step: Step = state.withLock { state in
            if let token = state.token, now < token.renewAt { return .ready(token.value) }
            if let renewal = state.renewal { return .wait(renewal) }
            let renewal = Task { try await self.make() }
            state.renewal = renewal
            return .wait(renewal)
        }
        let pending: Task<Token, any Error>
        switch step {
        case .ready(let value): return value
        case .wait(let renewal): pending = renewal
        }
        do {
            let token = try await pending.value
            state.withLock { state in
                if state.renewal == pending {
                    state.token = token
                    state.renewal = nil
                }
            }
            return token.value
        } catch {
            // The next caller tries again.
            state.withLock { state in
                if state.renewal == pending { state.renewal = nil }
            }
            throw error
        }
    }

    private enum Step {
        case ready(String)
        case wait(Task<Token, any Error>)
    }

    /// The provider refused `value` as expired: the next caller renews it, unless a
    /// renewal already replaced it (many requests in flight fail with the same token).
    func refuse(_ value: String) {
        state.withLock { state in
            if state.token?.value == value { state.token = nil }
        }
    }
}
