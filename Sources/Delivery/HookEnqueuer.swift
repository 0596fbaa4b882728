import Logging

/// How a hook call's pushes reach the queue: accepted into the driver's intake and
/// admitted behind the answer (`IntakeEnqueuer`), or, for a driver without one, written
/// as jobs before it (`GroupCommitEnqueuer`). The server and the ceiling bench enqueue
/// through it, so both take the same path.
public enum HookEnqueuer: Sendable {
    case intake(IntakeEnqueuer)
    case direct(GroupCommitEnqueuer)

    public init(
        queue: any DeliveryQueue, intake: (any PushIntake)?, clock: any DeliveryClock, signal: WorkSignal, events: any DeliveryEventSink,
        logger: Logger
    ) {
        if let intake {
            self = .intake(IntakeEnqueuer(intake: intake, clock: clock, signal: signal, events: events, logger: logger))
        } else {
            self = .direct(GroupCommitEnqueuer(queue: queue, clock: clock, signal: signal, events: events))
        }
    }

    /// Stores one hook call's pushes; returns when they are durable.
    public func enqueue(_ pushes: [NewPush]) async throws {
        switch self {
        case .intake(let enqueuer): try await enqueuer.enqueue(pushes)
        case .direct(let enqueuer): _ = try await enqueuer.enqueue(pushes)
        }
    }

    /// The admission loop to run beside the workers; nil without an intake.
    public var admission: IntakeEnqueuer? {
        guard case .intake(let enqueuer) = self else { return nil }
        return enqueuer
    }
}
