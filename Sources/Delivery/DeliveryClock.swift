import Foundation

/// Where delivery reads the time: due times, leases, backoff and ages are computed
/// from it, so tests move time instead of waiting for it.
public protocol DeliveryClock: Sendable {
    func now() -> Date
}

/// The system's wall clock.
public struct SystemDeliveryClock: DeliveryClock {
    public init() {}
    public func now() -> Date { Date() }
}
