import Delivery
import Foundation
import Logging
import PushCompose
import Synchronization
import XCTest

/// A clock that reads the wall clock plus an offset the test moves forward, so backoff,
/// `Retry-After` and leases are tested without waiting for them.
final class TestClock: DeliveryClock {
    private let offset = Mutex<TimeInterval>(0)

    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        offset.withLock { $0 += Double(seconds) + Double(attoseconds) / 1e18 }
    }
}

/// Waits for a condition signalled by other tasks, failing the test (instead of
/// hanging) when it has not held after a generous time.
final class Awaiter: Sendable {
    private struct Waiter {
        var id: Int
        var isMet: @Sendable () -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private let waiters = Mutex<(next: Int, list: [Waiter])>((0, []))

    /// Call after anything that may meet a condition changed.
    func changed() {
        let met = waiters.withLock { state -> [Waiter] in
            // One evaluation per waiter: a condition met between two evaluations removed
            // the waiter without resuming it, and its timeout could no longer find it.
            var met: [Waiter] = []
            var waiting: [Waiter] = []
            for waiter in state.list {
                if waiter.isMet() { met.append(waiter) } else { waiting.append(waiter) }
            }
            state.list = waiting
            return met
        }
        for waiter in met { waiter.continuation.resume() }
    }

    /// Returns true when `isMet` held, false after `timeout`.
    func wait(timeout: Duration = .seconds(60), until isMet: @escaping @Sendable () -> Bool) async -> Bool {
        let id = waiters.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now = self.waiters.withLock { state in
                        if isMet() { return true }
                        state.list.append(Waiter(id: id, isMet: isMet, continuation: continuation))
                        return false
                    }
                    if now { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next()!
            if !first {
                let waiter = self.waiters.withLock { state -> Waiter? in
                    guard let index = state.list.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.list.remove(at: index)
                }
                waiter?.continuation.resume()
            }
            group.cancelAll()
            return first
        }
    }
}

/// Holds callers of `pass()` while closed; opening lets every held caller and every
/// later one through, until it is closed again.
final class Gate: Sendable {
    private let state: Mutex<(closed: Bool, held: [CheckedContinuation<Void, Never>])>

    init(closed: Bool) {
        state = Mutex((closed, []))
    }

    func pass() async {
        await withCheckedContinuation { go in
            let now = state.withLock { state in
                if state.closed { state.held.append(go) }
                return !state.closed
            }
            if now { go.resume() }
        }
    }

    func close() {
        state.withLock { $0.closed = true }
    }

    func open() {
        let held = state.withLock { state in
            state.closed = false
            defer { state.held = [] }
            return state.held
        }
        for caller in held { caller.resume() }
    }
}

/// Collects delivery events; a test awaits the ones it expects instead of sleeping.
final class EventLog: DeliveryEventSink {
    private let collected = Mutex<[DeliveryEvent]>([])
    /// How many `record` calls brought events, in order: how the events were batched.
    private let batches = Mutex<[Int]>([])
    private let awaiter = Awaiter()
    /// While closed, `record` waits (a slow audit log) until `openGate()`.
    private let gate = Gate(closed: false)

    func record(_ events: [DeliveryEvent]) async {
        await gate.pass()
        submit(events)
    }

    /// Not held by the gate: a submit does not wait for the log.
    func submit(_ events: [DeliveryEvent]) {
        collected.withLock { $0.append(contentsOf: events) }
        batches.withLock { $0.append(events.count) }
        awaiter.changed()
    }

    var batchSizes: [Int] { batches.withLock { $0 } }

    func closeGate() {
        gate.close()
    }

    func openGate() {
        gate.open()
    }

    var events: [DeliveryEvent] { collected.withLock { $0 } }

    /// Waits until `count` events of a kind matching `match` were recorded.
    func wait(
        for count: Int = 1, file: StaticString = #filePath, line: UInt = #line, _ match: @escaping @Sendable (DeliveryEvent.Kind) -> Bool
    ) async {
        let happened = await awaiter.wait { self.count(match) >= count }
        if !happened { XCTFail("\(count) events awaited; events: \(events.map(\.kind))", file: file, line: line) }
    }

    func count(_ match: (DeliveryEvent.Kind) -> Bool) -> Int {
        events.filter { match($0.kind) }.count
    }
}

extension DeliveryEvent.Kind {
    var isDelivered: Bool { self == .delivered }
    var isDead: Bool { if case .dead = self { return true } else { return false } }
    var isDeviceRemoved: Bool { if case .deviceRemoved = self { return true } else { return false } }
    var isLeaseLost: Bool { self == .leaseLost }
    var isQueued: Bool { if case .queued = self { return true } else { return false } }
    var attempt: DeliveryEvent.Attempt? { if case .attempt(let attempt) = self { return attempt } else { return nil } }
    var isRetry: Bool { if case .retry = attempt?.outcome { return true } else { return false } }
}

let deliveryTestLogger: Logger = {
    var logger = Logger(label: "delivery-tests")
    logger.logLevel = .critical
    return logger
}()

extension XCTestCase {
    /// A fresh empty directory, removed when the test ends.
    func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("delivery-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// A push to enqueue, with defaults for what a test does not care about.
func makePush(
    receiver: String, devices: [DeviceAddress], hookCall: String = "call-1", incrementsBadge: Bool = true,
    payload: JSONValue = .object([("alert", .string("Tom: hi")), ("badge", .string("Increment"))])
) -> NewPush {
    NewPush(
        pushId: PushIdentifier.random(), hookCallId: hookCall, receiver: receiver, conversation: "conv-1", template: "default",
        payload: payload, incrementsBadge: incrementsBadge, devices: devices)
}

func webhookDevice(_ token: String) -> DeviceAddress { DeviceAddress(provider: .webhook, token: token) }

/// `count` pushes to receivers `user-<index>`, each to a webhook device and an APNs
/// (even index) or FCM (odd) one: jobs of three providers.
func twoDevicePushes(_ count: Int, from first: Int = 0) -> [NewPush] {
    (first..<first + count).map { index in
        makePush(
            receiver: "user-\(index)", devices: [
                DeviceAddress(provider: .webhook, token: "w-\(index)", platform: "ios"),
                DeviceAddress(provider: index % 2 == 0 ? .apns : .fcm, token: "t-\(index)", platform: "ios"),
            ], hookCall: "call-\(index)", incrementsBadge: false)
    }
}

/// Yields until `condition` holds; false after `timeout`, so that a test that waits for
/// other tasks fails instead of hanging the suite.
func yield(until condition: () -> Bool, timeout: Duration = .seconds(60)) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        await Task.yield()
    }
    return true
}
