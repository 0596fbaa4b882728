import AsyncHTTPClient
@testable import Delivery
import Foundation
import ServiceLifecycle
import XCTest

/// Real storage (SQLite in a fresh folder), a real HTTP client, the group committer
/// and the workers, with a test clock and an event log.
struct DeliveryHarness: Sendable {
    let storage: DeliveryDriver.Storage
    let clock = TestClock()
    let events = EventLog()
    let signal = WorkSignal()
    let client: HTTPClient
    let enqueuer: GroupCommitEnqueuer

    static func make(_ test: XCTestCase, driver: DeliveryDriver = .sqlite) async throws -> DeliveryHarness {
        let storage = try await driver.make(test.makeTemporaryDirectory(), 10)
        let client = HTTPClient.makeForDelivery()
        test.addTeardownBlock { try? await client.shutdown() }
        return DeliveryHarness(storage: storage, client: client)
    }

    private init(storage: DeliveryDriver.Storage, client: HTTPClient) {
        self.storage = storage
        self.client = client
        enqueuer = GroupCommitEnqueuer(queue: storage.queue, clock: clock, signal: signal, events: events)
    }

    var queue: any DeliveryQueue { storage.queue }
    var devices: any DeviceStore { storage.devices }

    func webhook(_ baseURL: String, timeout: Duration = .seconds(30)) throws -> WebhookProvider {
        try WebhookProvider(
            configuration: .init(url: baseURL + "/push", secret: EndpointChecks.webhookSecret, timeout: timeout), client: client, clock: clock)
    }

    func platform(
        _ baseURL: String, production: Bool = true, whereTemplate: WhereTemplate = .receiverClientId, timeout: Duration = .seconds(30)
    ) throws -> PlatformPushProvider {
        try PlatformPushProvider(
            configuration: .init(
                server: baseURL, appId: EndpointChecks.appId, masterKey: EndpointChecks.masterKey, production: production,
                whereTemplate: whereTemplate, timeout: timeout),
            client: client, clock: clock)
    }

    /// Registers a device and enqueues one push to it, as the router will.
    @discardableResult
    func push(to receiver: String, device: DeviceAddress) async throws -> EnqueuedPush {
        _ = try await devices.register(DeviceRegistration(clientId: receiver, address: device), now: clock.now())
        return try await enqueuer.enqueue([makePush(receiver: receiver, devices: [device])])[0]
    }

    /// Runs the workers while `body` runs, then shuts them down gracefully.
    func withWorkers<T: Sendable>(
        _ providers: [any PushProvider], settings: WorkerSettings = .fastForTests, _ body: () async throws -> T
    ) async throws -> T {
        let workers = DeliveryWorkers(
            providers: providers, queue: queue, devices: devices, settings: settings, signal: signal, clock: clock, events: events,
            logger: deliveryTestLogger)
        let group = ServiceGroup(configuration: .init(services: [workers], logger: deliveryTestLogger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let result = try await body()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}

extension WorkerSettings {
    /// Backoff in milliseconds, so retries without `Retry-After` happen at once.
    static var fastForTests: WorkerSettings {
        WorkerSettings(
            concurrency: 4, leaseDuration: .seconds(60), idlePoll: .seconds(5), shutdownDeadline: .seconds(5),
            retry: RetryPolicy(baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), maxAttempts: 5, maxAge: .seconds(3600)))
    }
}
