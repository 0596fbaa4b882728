@testable import Delivery
import Experiments
import Foundation
import PushCompose
import Storage
import XCTest

/// The behaviour every storage driver must have, written once. Each driver's test case
/// (`SQLiteStorageConformanceTests`, and PostgreSQL's beside it) runs every check.
struct StorageConformance {
    let driver: DeliveryDriver
    let test: XCTestCase
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    private func storage(maxDevices: Int = 10) async throws -> DeliveryDriver.Storage {
        let storage = try await driver.make(test.makeTemporaryDirectory(), maxDevices)
        test.addTeardownBlock { await storage.close() }
        return storage
    }

    private func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    // MARK: Devices

    func registeredDevicesAreListedNewestFirst() async throws {
        let devices = try await storage().devices
        let ios = DeviceRegistration(
            clientId: "Jerry", address: .init(provider: .apns, token: "ab01", platform: "ios", apnsEnvironment: .sandbox, topic: "com.example.app"),
            locale: "zh-Hans")
        let first = try await devices.register(ios, now: at(0))
        XCTAssertEqual(first.device.address.apnsEnvironment, .sandbox)
        XCTAssertNil(first.movedFrom)
        _ = try await devices.register(.init(clientId: "Jerry", address: webhookDevice("hook-1")), now: at(1))
        let listed = try await devices.devices(of: "Jerry")
        XCTAssertEqual(listed.map(\.token), ["hook-1", "ab01"])
        XCTAssertEqual(listed.last, Device(clientId: "Jerry", address: ios.address, locale: "zh-Hans", createdAt: at(0), lastSeenAt: at(0)))
        let empty = try await devices.devices(of: "Nobody")
        XCTAssertEqual(empty, [])
    }

    func reRegisteringATokenMovesItToTheNewClient() async throws {
        let devices = try await storage().devices
        _ = try await devices.register(.init(clientId: "Tom", address: webhookDevice("shared")), now: at(0))
        let moved = try await devices.register(.init(clientId: "Jerry", address: webhookDevice("shared")), now: at(5))
        XCTAssertEqual(moved.movedFrom, "Tom")
        XCTAssertEqual(moved.device.createdAt, at(5))
        let tom = try await devices.devices(of: "Tom")
        let jerry = try await devices.devices(of: "Jerry")
        XCTAssertEqual(tom, [])
        XCTAssertEqual(jerry.map(\.token), ["shared"])
        // The same client again: a refresh, not a move; the created time is kept.
        let again = try await devices.register(.init(clientId: "Jerry", address: webhookDevice("shared"), locale: "fr"), now: at(9))
        XCTAssertNil(again.movedFrom)
        XCTAssertEqual(again.device.createdAt, at(5))
        XCTAssertEqual(again.device.lastSeenAt, at(9))
        XCTAssertEqual(again.device.locale, "fr")
        // The same token under another provider is another device.
        _ = try await devices.register(.init(clientId: "Tom", address: .init(provider: .platform, token: "shared")), now: at(10))
        let both = try await devices.devices(of: ["Tom", "Jerry"])
        XCTAssertEqual(both["Tom"]?.map(\.provider), [.platform])
        XCTAssertEqual(both["Jerry"]?.map(\.provider), [.webhook])
    }

    func theLimitDropsTheLeastRecentlySeen() async throws {
        let devices = try await storage(maxDevices: 3).devices
        for index in 0..<3 {
            _ = try await devices.register(.init(clientId: "Spike", address: webhookDevice("d\(index)")), now: at(Double(index)))
        }
        // d0 seen again: d1 is now the least recently seen.
        _ = try await devices.register(.init(clientId: "Spike", address: webhookDevice("d0")), now: at(10))
        let result = try await devices.register(.init(clientId: "Spike", address: webhookDevice("d3")), now: at(11))
        XCTAssertEqual(result.dropped.map(\.token), ["d1"])
        let listed = try await devices.devices(of: "Spike")
        XCTAssertEqual(listed.map(\.token), ["d3", "d0", "d2"])
    }

    /// Registrations for one client at once (an app reinstalled on several phones):
    /// none fails, and the limit holds.
    func concurrentRegistrationsForOneClientKeepTheLimit() async throws {
        let devices = try await storage(maxDevices: 5).devices
        let now = at(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { _ = try await devices.register(.init(clientId: "Jerry", address: webhookDevice("phone-\(index)")), now: now) }
            }
            try await group.waitForAll()
        }
        let kept = try await devices.devices(of: "Jerry")
        XCTAssertEqual(kept.count, 5)
    }

    func devicesOfManyClientsComeInOneCall() async throws {
        let devices = try await storage().devices
        var clients: [String] = []
        for index in 0..<1200 {
            clients.append("client-\(index)")
            if index % 3 == 0 {
                _ = try await devices.register(.init(clientId: "client-\(index)", address: webhookDevice("token-\(index)"), locale: "en"), now: at(0))
            }
        }
        let found = try await devices.devices(of: clients + ["client-0"])
        XCTAssertEqual(found.count, 400)
        XCTAssertEqual(found["client-999"]?.map(\.token), ["token-999"])
        XCTAssertNil(found["client-1"])
        let locales = try await devices.newestLocales(of: clients)
        XCTAssertEqual(locales.count, 400)
    }

    func removingATokenReturnsTheDevice() async throws {
        let devices = try await storage().devices
        _ = try await devices.register(.init(clientId: "Tyke", address: webhookDevice("dead")), now: at(0))
        let notSpikes = try await devices.remove(provider: .webhook, token: "dead", of: "Spike")
        XCTAssertNil(notSpikes, "another client's path removes nothing")
        let removed = try await devices.remove(provider: .webhook, token: "dead", of: "Tyke")
        XCTAssertEqual(removed?.clientId, "Tyke")
        let again = try await devices.remove(provider: .webhook, token: "dead")
        XCTAssertNil(again)
        let left = try await devices.devices(of: "Tyke")
        XCTAssertEqual(left, [])
        let withDevices = try await devices.clientsWithDevices()
        XCTAssertEqual(withDevices, [])
    }

    func theNewestDeviceGivesTheLocale() async throws {
        let devices = try await storage().devices
        _ = try await devices.register(.init(clientId: "Jerry", address: webhookDevice("old"), locale: "en"), now: at(0))
        _ = try await devices.register(.init(clientId: "Jerry", address: webhookDevice("newer"), locale: "zh-Hant"), now: at(1))
        _ = try await devices.register(.init(clientId: "Jerry", address: webhookDevice("newest-no-locale")), now: at(2))
        let jerry = try await devices.newestLocale(of: "Jerry")
        let nobody = try await devices.newestLocale(of: "Nobody")
        XCTAssertEqual(jerry, "zh-Hant")
        XCTAssertNil(nobody)
    }

    // MARK: Queue

    func enqueueStoresJobsWithBadgesInOneCall() async throws {
        let queue = try await storage().queue
        let payload = JSONValue.object([
            ("alert", .object([("title", .string("Tom")), ("body", .string("\"hi\" ✨\u{2028}"))])), ("n", .number(1.5)),
            ("list", .array([.null, .bool(true)])),
        ])
        let ios = DeviceAddress(provider: .apns, token: "ab", platform: "ios", apnsEnvironment: .sandbox, topic: "t")
        let pushes = [
            makePush(receiver: "Jerry", devices: [webhookDevice("j1"), ios], payload: payload),
            makePush(receiver: "Spike", devices: [webhookDevice("s1")], incrementsBadge: false),
            makePush(receiver: "Tyke", devices: []),
            makePush(receiver: "Jerry", devices: [webhookDevice("j1")], hookCall: "call-2"),
        ]
        let enqueued = try await queue.enqueue(pushes, now: at(0))
        XCTAssertEqual(enqueued.map(\.badge), [1, nil, nil, 2])
        XCTAssertEqual(enqueued.map(\.jobIds.count), [2, 1, 0, 1])
        XCTAssertEqual(Set(enqueued.flatMap(\.jobIds)).count, 4)
        let jerryBadge = try await queue.badge(of: "Jerry")
        let tykeBadge = try await queue.badge(of: "Tyke")
        XCTAssertEqual(jerryBadge, 2)
        XCTAssertEqual(tykeBadge, 0, "a push without devices leaves the badge alone")

        let job = try await queue.job(id: enqueued[0].jobIds[1])
        XCTAssertEqual(job?.payload, payload)
        XCTAssertEqual(job?.pushId, pushes[0].pushId)
        XCTAssertEqual(job?.hookCallId, "call-1")
        XCTAssertEqual(job?.receiver, "Jerry")
        XCTAssertEqual(job?.conversation, "conv-1")
        XCTAssertEqual(job?.template, "default")
        XCTAssertEqual(job?.badge, 1)
        XCTAssertEqual(job?.device, ios)
        XCTAssertEqual(job?.state, .ready)
        XCTAssertEqual(job?.attempts, 0)
        XCTAssertEqual(job?.queuedAt, at(0))

        try await queue.resetBadge(of: "Jerry")
        let reset = try await queue.badge(of: "Jerry")
        XCTAssertEqual(reset, 0)
        let next = try await queue.enqueue([makePush(receiver: "Jerry", devices: [webhookDevice("j1")])], now: at(1))
        XCTAssertEqual(next[0].badge, 1)
    }

    func claimTakesDueJobsOfOneProviderUnderALease() async throws {
        let queue = try await storage().queue
        let enqueued = try await queue.enqueue(
            (0..<5).map { makePush(receiver: "r\($0)", devices: [webhookDevice("w\($0)")]) }
                + [makePush(receiver: "p", devices: [.init(provider: .platform, token: "p")])],
            now: at(0))
        let early = try await queue.claim(provider: .webhook, limit: 10, leaseDuration: .seconds(30), now: at(-1))
        XCTAssertEqual(early, [], "nothing is due before it was queued")
        let claimed = try await queue.claim(provider: .webhook, limit: 3, leaseDuration: .seconds(30), now: at(0))
        XCTAssertEqual(claimed.map(\.id), Array(enqueued.prefix(3).flatMap(\.jobIds)))
        XCTAssertTrue(claimed.allSatisfy { $0.state == .leased && $0.attempts == 1 && $0.lease?.expiresAt == at(30) })
        let rest = try await queue.claim(provider: .webhook, limit: 10, leaseDuration: .seconds(30), now: at(1))
        XCTAssertEqual(rest.count, 2)
        let none = try await queue.claim(provider: .webhook, limit: 10, leaseDuration: .seconds(30), now: at(29))
        XCTAssertEqual(none, [], "leased jobs are not claimed again while the lease holds")
        let nextDue = try await queue.nextDueTime(provider: .webhook)
        XCTAssertEqual(nextDue, at(30))
        let platform = try await queue.claim(provider: .platform, limit: 10, leaseDuration: .seconds(30), now: at(1))
        XCTAssertEqual(platform.map(\.receiver), ["p"])
        let apnsDue = try await queue.nextDueTime(provider: .apns)
        XCTAssertNil(apnsDue)
    }

    func anExpiredLeaseComesBackAndTheOldLeaseChangesNothing() async throws {
        let queue = try await storage().queue
        _ = try await queue.enqueue([makePush(receiver: "Jerry", devices: [webhookDevice("j")])], now: at(0))
        let first = try await queue.claim(provider: .webhook, limit: 1, leaseDuration: .seconds(30), now: at(0))
        let second = try await queue.claim(provider: .webhook, limit: 1, leaseDuration: .seconds(30), now: at(31))
        XCTAssertEqual(second.map(\.id), first.map(\.id))
        XCTAssertEqual(second.first?.attempts, 2, "the dead worker's claim counts as an attempt")
        let stale = try XCTUnwrap(first.first?.lease)
        let current = try XCTUnwrap(second.first?.lease)
        XCTAssertNotEqual(stale.token, current.token)
        let staleFinish = try await queue.finish(stale, as: .delivered)
        let staleRetry = try await queue.retry(stale, at: at(40), status: 503, reason: "x")
        let staleDead = try await queue.deadLetter(stale, status: 400, reason: "x", now: at(40))
        let staleRelease = try await queue.release(stale, countAttempt: false, now: at(40))
        XCTAssertEqual([staleFinish, staleRetry, staleDead, staleRelease], [false, false, false, false])
        let finished = try await queue.finish(current, as: .delivered)
        XCTAssertTrue(finished)
        let gone = try await queue.job(id: current.jobId)
        XCTAssertNil(gone)
        let stats = try await queue.stats(now: at(40))
        XCTAssertEqual(stats.counts(.webhook), .init(delivered: 1))
    }

    func retryWaitsForItsTimeAndKeepsTheAnswer() async throws {
        let queue = try await storage().queue
        _ = try await queue.enqueue([makePush(receiver: "Jerry", devices: [webhookDevice("j")])], now: at(0))
        let claimed = try await queue.claim(provider: .webhook, limit: 1, leaseDuration: .seconds(30), now: at(0))
        let lease = try XCTUnwrap(claimed.first?.lease)
        let retried = try await queue.retry(lease, at: at(120), status: 429, reason: "HTTP 429")
        XCTAssertTrue(retried)
        let job = try await queue.job(id: lease.jobId)
        XCTAssertEqual(job?.state, .ready)
        XCTAssertEqual(job?.dueAt, at(120))
        XCTAssertEqual(job?.lastStatus, 429)
        XCTAssertEqual(job?.lastReason, "HTTP 429")
        XCTAssertNil(job?.lease)
        let tooEarly = try await queue.claim(provider: .webhook, limit: 1, leaseDuration: .seconds(30), now: at(119))
        XCTAssertEqual(tooEarly, [])
        let onTime = try await queue.claim(provider: .webhook, limit: 1, leaseDuration: .seconds(30), now: at(120))
        XCTAssertEqual(onTime.first?.attempts, 2)
    }

    func releaseGivesAJobBackDueAtOnce() async throws {
        let queue = try await storage().queue
        _ = try await queue.enqueue([makePush(receiver: "Jerry", devices: [webhookDevice("j")])], now: at(0))
        let claimed = try await queue.claim(provider: .webhook, limit: 1, leaseDuration: .seconds(30), now: at(0))
        let lease = try XCTUnwrap(claimed.first?.lease)
        let released = try await queue.release(lease, countAttempt: false, now: at(1))
        XCTAssertTrue(released)
        let again = try await queue.claim(provider: .webhook, limit: 1, leaseDuration: .seconds(30), now: at(1))
        XCTAssertEqual(again.first?.attempts, 1, "a claim given back unsent is not an attempt")
    }

    func deadJobsAreListedRetriedAndPurged() async throws {
        let queue = try await storage().queue
        _ = try await queue.enqueue(
            [
                makePush(receiver: "a", devices: [webhookDevice("a")]), makePush(receiver: "b", devices: [webhookDevice("b")]),
                makePush(receiver: "c", devices: [.init(provider: .platform, token: "c")]),
            ],
            now: at(0))
        for provider in [ProviderKind.webhook, .platform] {
            for job in try await queue.claim(provider: provider, limit: 10, leaseDuration: .seconds(30), now: at(1)) {
                let dead = try await queue.deadLetter(
                    job.lease!, status: 400, reason: "HTTP 400: no \(job.receiver)", now: at(job.receiver == "a" ? 10 : 20))
                XCTAssertTrue(dead)
            }
        }
        let dead = try await queue.jobs(matching: JobFilter(state: .dead), afterId: nil, limit: 10)
        XCTAssertEqual(dead.map(\.receiver), ["a", "b", "c"])
        XCTAssertEqual(dead[0].lastReason, "HTTP 400: no a")
        XCTAssertEqual(dead[0].lastStatus, 400)
        XCTAssertEqual(dead[0].deadAt, at(10))
        XCTAssertNil(dead[0].dueAt)
        let deadWebhook = try await queue.jobs(matching: JobFilter(state: .dead, provider: .webhook), afterId: dead[0].id, limit: 10)
        XCTAssertEqual(deadWebhook.map(\.receiver), ["b"])
        let ready = try await queue.jobs(matching: JobFilter(state: .ready), afterId: nil, limit: 10)
        XCTAssertEqual(ready, [])

        let retriedOne = try await queue.retryDead(id: dead[0].id, now: at(30))
        let retriedMissing = try await queue.retryDead(id: dead[0].id, now: at(30))
        XCTAssertEqual([retriedOne, retriedMissing], [true, false])
        let job = try await queue.job(id: dead[0].id)
        XCTAssertEqual(job?.state, .ready)
        XCTAssertEqual(job?.attempts, 0)
        XCTAssertEqual(job?.queuedAt, at(30), "a retried job's age starts again")
        let claimed = try await queue.claim(provider: .webhook, limit: 10, leaseDuration: .seconds(30), now: at(30))
        XCTAssertEqual(claimed.map(\.receiver), ["a"])

        let retriedPlatform = try await queue.retryAllDead(provider: .platform, now: at(40))
        XCTAssertEqual(retriedPlatform, 1)
        let purgedNone = try await queue.purgeDead(olderThan: at(20))
        XCTAssertEqual(purgedNone, 0, "b died at 20, not before")
        let purged = try await queue.purgeDead(olderThan: at(21))
        XCTAssertEqual(purged, 1)
        let retriedAll = try await queue.retryAllDead(provider: nil, now: at(50))
        XCTAssertEqual(retriedAll, 0)
    }

    func statsCountByStateAndProvider() async throws {
        let queue = try await storage().queue
        _ = try await queue.enqueue((0..<4).map { makePush(receiver: "w\($0)", devices: [webhookDevice("w\($0)")]) }, now: at(0))
        _ = try await queue.enqueue([makePush(receiver: "p", devices: [.init(provider: .platform, token: "p")])], now: at(5))
        let claimed = try await queue.claim(provider: .webhook, limit: 3, leaseDuration: .seconds(30), now: at(10))
        _ = try await queue.finish(claimed[0].lease!, as: .delivered)
        _ = try await queue.finish(claimed[1].lease!, as: .deviceGone)
        _ = try await queue.deadLetter(claimed[2].lease!, status: nil, reason: "x", now: at(10))
        _ = try await queue.claim(provider: .platform, limit: 1, leaseDuration: .seconds(30), now: at(10))
        let stats = try await queue.stats(now: at(100))
        XCTAssertEqual(stats.counts(.webhook), .init(ready: 1, leased: 0, dead: 1, delivered: 1, deviceGone: 1))
        XCTAssertEqual(stats.counts(.platform), .init(leased: 1))
        XCTAssertEqual(stats.counts(.apns), .init())
        XCTAssertEqual(stats.oldestReadyQueuedAt, at(0))
        XCTAssertEqual(stats.oldestReadyAge(now: at(100)), .seconds(100))
    }

    /// The stats read counts the queue keeps (a count over a million jobs took seconds, on
    /// every dashboard load and `/metrics` scrape): after every kind of write, by two
    /// instances, and after heartbeats (which may fold kept counts), they must equal the
    /// jobs counted one by one.
    func statsEqualTheJobsAfterEveryKindOfWrite() async throws {
        let storage = try await storage()
        let (a, b) = (storage.queue, storage.otherInstance)
        func check(_ step: String, now: Date) async throws {
            let reported = try await JobCensus.reported(by: a, now: now)
            let counted = try await storage.countJobs()
            XCTAssertEqual(reported, counted, "\(driver.name), after \(step)")
        }

        _ = try await a.enqueue(twoDevicePushes(6), now: at(0))
        _ = try await a.enqueue(twoDevicePushes(4, from: 6), now: at(1))
        try await check("enqueues", now: at(1))
        try await a.heartbeat(workers: 4, now: at(2))
        try await b.heartbeat(workers: 4, now: at(2))
        try await check("heartbeats", now: at(2))

        let byA = try await a.claim(provider: .webhook, limit: 5, leaseDuration: .seconds(30), now: at(3))
        let byB = try await b.claim(provider: .webhook, limit: 3, leaseDuration: .seconds(30), now: at(3))
        let apns = try await b.claim(provider: .apns, limit: 5, leaseDuration: .seconds(30), now: at(3))
        XCTAssertEqual([byA.count, byB.count, apns.count], [5, 3, 5])
        try await check("claims by two instances", now: at(3))

        _ = try await a.finish(byA[0].lease!, as: .delivered)
        _ = try await a.finish(byA[1].lease!, as: .deviceGone)
        _ = try await a.retry(byA[2].lease!, at: at(100), status: 503, reason: "busy")
        _ = try await a.deadLetter(byA[3].lease!, status: 400, reason: "bad token", now: at(4))
        _ = try await b.deadLetter(byB[0].lease!, status: nil, reason: "gave up", now: at(4))
        _ = try await b.deadLetter(apns[0].lease!, status: 400, reason: "BadDeviceToken", now: at(4))
        _ = try await b.release(byB[1].lease!, countAttempt: false, now: at(4))
        try await check("finishes, retries, dead letters, releases", now: at(4))
        try await a.heartbeat(workers: 4, now: at(5))
        try await check("a heartbeat after them", now: at(5))

        // Expired leases taken over by the other instance.
        let takenOver = try await a.claim(provider: .apns, limit: 10, leaseDuration: .seconds(30), now: at(40))
        XCTAssertEqual(takenOver.count, 4)
        try await check("leases taken over", now: at(40))

        let dead = try await a.jobs(matching: JobFilter(state: .dead), afterId: nil, limit: 10)
        XCTAssertEqual(dead.count, 3)
        _ = try await a.retryDead(id: dead[0].id, now: at(41))
        try await check("one dead job retried", now: at(41))
        _ = try await a.retryAllDead(provider: .webhook, now: at(42))
        try await check("the dead retried", now: at(42))
        _ = try await b.deadLetter(byB[2].lease!, status: nil, reason: "gave up", now: at(43))
        let purged = try await a.purgeDead(olderThan: nil)
        XCTAssertEqual(purged, 1)
        try await check("the dead purged", now: at(43))

        // A heartbeat forgets a silent instance without leases, and the counts stay right.
        try await b.heartbeat(workers: 4, now: at(44))
        for job in takenOver { _ = try await a.finish(job.lease!, as: .delivered) }
        try await a.heartbeat(workers: 4, now: at(44 + 86_400 * 2))
        let stats = try await a.stats(now: at(44 + 86_400 * 2))
        XCTAssertEqual(stats.instances.map(\.id), ["a"])
        try await check("a silent instance forgotten", now: at(44 + 86_400 * 2))
    }

    /// Workers finish the jobs of concurrent attempts in one call: each job answers for
    /// its own lease, and the counts add up.
    func aBatchOfFinishesAnswersPerJob() async throws {
        let queue = try await storage().queue
        _ = try await queue.enqueue((0..<4).map { makePush(receiver: "w\($0)", devices: [webhookDevice("w\($0)")]) }, now: at(0))
        let claimed = try await queue.claim(provider: .webhook, limit: 4, leaseDuration: .seconds(30), now: at(0))
        var stale = claimed[3].lease!
        stale.token = "not-the-lease"
        let held = try await queue.finish([
            (lease: claimed[0].lease!, finish: .delivered), (lease: claimed[1].lease!, finish: .delivered),
            (lease: claimed[2].lease!, finish: .deviceGone), (lease: stale, finish: .delivered),
        ])
        XCTAssertEqual(held, [true, true, true, false])
        let stats = try await queue.stats(now: at(1))
        XCTAssertEqual(stats.counts(.webhook), .init(leased: 1, delivered: 2, deviceGone: 1))
        let again = try await queue.finish([(lease: claimed[0].lease!, finish: .delivered)])
        XCTAssertEqual(again, [false], "a finished job is gone")
    }

    /// Concurrent callers through the group committer: one transaction gathers the
    /// callers that waited, and every caller gets its own badges, none repeated.
    func concurrentEnqueuesShareTransactionsAndBadges() async throws {
        let storage = try await storage()
        let gated = GatedQueue(storage.queue)
        let events = EventLog()
        let enqueuer = GroupCommitEnqueuer(queue: gated, clock: SystemDeliveryClock(), signal: WorkSignal(), events: events)
        let callers = 40
        let results = try await withThrowingTaskGroup(of: [EnqueuedPush].self) { group in
            // The first caller's commit is held open until every other caller waits.
            group.addTask { try await enqueuer.enqueue([makePush(receiver: "Jerry", devices: [webhookDevice("j")])]) }
            let held = await gated.waitUntilHeld()
            XCTAssertTrue(held)
            for index in 1..<callers {
                group.addTask {
                    try await enqueuer.enqueue([
                        makePush(receiver: "Jerry", devices: [webhookDevice("j")], hookCall: "call-\(index)"),
                        makePush(receiver: "Spike", devices: [webhookDevice("s"), webhookDevice("s2")], hookCall: "call-\(index)"),
                    ])
                }
            }
            let gathered = await yield(until: { enqueuer.waitingCallers >= callers - 1 })
            XCTAssertTrue(gathered, "callers waiting: \(enqueuer.waitingCallers)")
            gated.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(gated.calls, 2, "the callers that waited were committed in one transaction")
        let jerry = results.flatMap { $0.filter { $0.receiver == "Jerry" }.compactMap(\.badge) }
        let spike = results.flatMap { $0.filter { $0.receiver == "Spike" }.compactMap(\.badge) }
        XCTAssertEqual(jerry.sorted(), Array(1...callers))
        XCTAssertEqual(spike.sorted(), Array(1..<callers))
        XCTAssertEqual(events.count { $0.isQueued }, 1 + (callers - 1) * 3)
        let stats = try await storage.queue.stats(now: Date())
        XCTAssertEqual(stats.counts(.webhook).ready, 1 + (callers - 1) * 3)
    }

    func aFailingBatchFailsOnlyItsOwnCaller() async throws {
        let storage = try await storage()
        let gated = GatedQueue(storage.queue, refusingReceiver: "Bad")
        let enqueuer = GroupCommitEnqueuer(queue: gated, clock: SystemDeliveryClock(), signal: WorkSignal(), events: EventLog())
        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            group.addTask { ("first", (try? await enqueuer.enqueue([makePush(receiver: "A", devices: [webhookDevice("a")])])) != nil) }
            let held = await gated.waitUntilHeld()
            XCTAssertTrue(held)
            for receiver in ["B", "Bad", "C"] {
                group.addTask { (receiver, (try? await enqueuer.enqueue([makePush(receiver: receiver, devices: [webhookDevice(receiver)])])) != nil) }
            }
            let gathered = await yield(until: { enqueuer.waitingCallers >= 3 })
            XCTAssertTrue(gathered, "callers waiting: \(enqueuer.waitingCallers)")
            gated.open()
            return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
        }
        XCTAssertEqual(outcomes, ["first": true, "B": true, "Bad": false, "C": true])
        let ready = try await storage.queue.jobs(matching: JobFilter(state: .ready), afterId: nil, limit: 10)
        XCTAssertEqual(ready.map(\.receiver).sorted(), ["A", "B", "C"])
    }

    /// A batch larger than a driver's statement (PostgreSQL's take 4,000 jobs) is still
    /// one call: ids in order, each receiver's badges counted through it.
    func aLargeBatchKeepsItsOrderAndBadges() async throws {
        let queue = try await storage().queue
        let pushes = (0..<1500).map { index in
            makePush(receiver: "r\(index % 10)", devices: (0..<3).map { webhookDevice("t\(index)-\($0)") }, incrementsBadge: index % 2 == 0)
        }
        let enqueued = try await queue.enqueue(pushes, now: at(0))
        let ids = enqueued.flatMap(\.jobIds)
        XCTAssertEqual(ids.count, 4500)
        XCTAssertEqual(ids, ids.sorted(), "ids in the order the pushes came")
        XCTAssertEqual(Set(ids).count, 4500)
        for receiver in ["r0", "r3"] {
            let badges = zip(pushes, enqueued).filter { $0.0.receiver == receiver }.map(\.1.badge)
            let expected: [Int?] = receiver == "r0" ? Array(1...150) : Array(repeating: nil, count: 150)
            XCTAssertEqual(badges, expected, receiver)
        }
        let r0 = try await queue.badge(of: "r0")
        XCTAssertEqual(r0, 150)
    }

    // MARK: Several instances

    /// Two instances claiming at once take every due job once between them, and the
    /// stats count each one's leases and workers.
    func instancesClaimingAtOnceNeverShareAJob() async throws {
        let storage = try await storage()
        let jobs = 200
        _ = try await storage.queue.enqueue((0..<jobs).map { makePush(receiver: "r\($0)", devices: [webhookDevice("t\($0)")]) }, now: at(0))
        let now = at(1)
        let claimed = try await withThrowingTaskGroup(of: (String, [Int64]).self) { group in
            for (name, queue) in [("a", storage.queue), ("b", storage.otherInstance)] {
                for _ in 0..<4 {
                    group.addTask {
                        var ids: [Int64] = []
                        while true {
                            let batch = try await queue.claim(provider: .webhook, limit: 7, leaseDuration: .seconds(60), now: now)
                            if batch.isEmpty { return (name, ids) }
                            ids += batch.map(\.id)
                        }
                    }
                }
            }
            return try await group.reduce(into: [String: [Int64]]()) { $0[$1.0, default: []] += $1.1 }
        }
        let all = claimed.values.flatMap { $0 }
        XCTAssertEqual(all.count, jobs)
        XCTAssertEqual(Set(all).count, jobs, "no job was claimed twice")
        try await storage.queue.heartbeat(workers: 16, now: at(2))
        let stats = try await storage.queue.stats(now: at(3))
        XCTAssertEqual(
            stats.instances,
            [
                .init(id: "a", workers: 16, leases: claimed["a"]?.count ?? 0, lastSeenAt: at(2)),
                .init(id: "b", workers: 0, leases: claimed["b"]?.count ?? 0, lastSeenAt: nil),
            ].filter { $0.leases > 0 || $0.id == "a" })
    }

    /// Two instances queueing pushes for the same receivers at once, each batch naming
    /// them in another order: none fails (no deadlock over the badge counters) and
    /// every count adds up.
    func instancesCountingTheSameReceiversAtOnce() async throws {
        let storage = try await storage()
        let receivers = (0..<20).map { "r\($0)" }
        let rounds = 15
        try await withThrowingTaskGroup(of: Void.self) { group in
            for queue in [storage.queue, storage.otherInstance] {
                for _ in 0..<3 {
                    group.addTask {
                        for _ in 0..<rounds {
                            let batch = receivers.shuffled().map { makePush(receiver: $0, devices: [webhookDevice("t-\($0)")]) }
                            _ = try await queue.enqueue(batch, now: Date())
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        for receiver in receivers {
            let badge = try await storage.queue.badge(of: receiver)
            XCTAssertEqual(badge, 2 * 3 * rounds, receiver)
        }
    }

    /// A lease of an instance that died runs out, and the other instance claims the job.
    func aDeadInstancesLeasesComeBackToTheOthers() async throws {
        let storage = try await storage()
        _ = try await storage.queue.enqueue([makePush(receiver: "Jerry", devices: [webhookDevice("j")])], now: at(0))
        let taken = try await storage.queue.claim(provider: .webhook, limit: 5, leaseDuration: .seconds(30), now: at(0))
        XCTAssertEqual(taken.count, 1)
        let early = try await storage.otherInstance.claim(provider: .webhook, limit: 5, leaseDuration: .seconds(30), now: at(29))
        XCTAssertEqual(early, [])
        let late = try await storage.otherInstance.claim(provider: .webhook, limit: 5, leaseDuration: .seconds(30), now: at(30))
        XCTAssertEqual(late.map(\.id), taken.map(\.id))
        XCTAssertEqual(late.first?.attempts, 2)
        let stale = try await storage.queue.finish(taken[0].lease!, as: .delivered)
        XCTAssertFalse(stale, "the dead instance's lease changes nothing")
        let stats = try await storage.queue.stats(now: at(31))
        XCTAssertEqual(stats.instances.map(\.id), ["b"])
        let finished = try await storage.otherInstance.finish(late[0].lease!, as: .delivered)
        XCTAssertTrue(finished)
    }

    // MARK: Directory and mutes

    func theDirectoryAndMutesAreKeptAndReadBack() async throws {
        let state = try await storage().state
        try await state.saveClient("Tom", ClientEntry(name: "Tom Cat", locale: "en"))
        try await state.saveClient("Tom", ClientEntry(name: "Thomas", locale: nil))
        try await state.saveClient("Jerry", ClientEntry(name: nil, locale: "fr"))
        try await state.saveConversation("c1", ConversationEntry(name: "Kitchen", system: false))
        try await state.saveConversation("notices", ConversationEntry(name: nil, system: true))
        try await state.setMuted(true, client: "Tom", conversation: "c1")
        try await state.setMuted(true, client: "Tom", conversation: "c1")
        try await state.setMuted(true, client: "Jerry", conversation: "c1")
        try await state.setMuted(false, client: "Jerry", conversation: "c1")
        try await state.setMuted(false, client: "Nobody", conversation: "c2")
        let clients = try await state.loadClients()
        XCTAssertEqual(clients, ["Tom": ClientEntry(name: "Thomas", locale: nil), "Jerry": ClientEntry(name: nil, locale: "fr")])
        let conversations = try await state.loadConversations()
        XCTAssertEqual(conversations, ["c1": ConversationEntry(name: "Kitchen", system: false), "notices": ConversationEntry(name: nil, system: true)])
        let mutes = try await state.loadMutes()
        XCTAssertEqual(mutes, ["c1": ["Tom"]])
        let tom = try await state.client("Tom")
        XCTAssertEqual(tom, ClientEntry(name: "Thomas", locale: nil))
        let nobody = try await state.client("Nobody")
        XCTAssertNil(nobody)
        let notices = try await state.conversation("notices")
        XCTAssertEqual(notices, ConversationEntry(name: nil, system: true))
        let tomMuted = try await state.isMuted(client: "Tom", conversation: "c1")
        let jerryMuted = try await state.isMuted(client: "Jerry", conversation: "c1")
        XCTAssertTrue(tomMuted)
        XCTAssertFalse(jerryMuted)
    }

    // MARK: Experiments

    private var t: Double { t0.timeIntervalSince1970 }

    /// A call that sent one push to one receiver.
    private func exposure(
        _ pushId: String, _ receiver: String, _ variant: String = "control", at seconds: Double = 0, status: ExposureStatus = .exposed,
        experiment: String = "greeting"
    ) -> CallExposures {
        call(pushId, at: seconds, experiment: experiment, [(variant, status, [receiver])])
    }

    /// A call whose answer (`pushId`) reached groups of receivers.
    private func call(
        _ pushId: String, at seconds: Double = 0, experiment: String = "greeting", _ groups: [(String, ExposureStatus, [String])]
    ) -> CallExposures {
        CallExposures(
            experiment: experiment, conversationUnit: nil, time: t + seconds,
            groups: groups.map { CallExposures.Group(variant: $0.0, status: $0.1, receivers: $0.2, pushIds: [pushId]) })
    }

    private func open(_ pushId: String?, _ receiver: String? = nil, at seconds: Double) -> OpenEvent {
        OpenEvent(pushId: pushId, receiver: receiver, time: t + seconds)
    }

    /// Pushes and distinct receivers per variant count exposed pushes only; pushes
    /// assigned and not seen, or forced by an override, are counted apart.
    func exposuresAreCountedPerVariant() async throws {
        let experiments = try await storage().experiments
        try await experiments.recordExposures([
            exposure("p1", "Tom"), exposure("p2", "Tom", at: 10), exposure("p3", "Jerry"), exposure("p4", "Spike", status: .notExposed),
            exposure("p5", "Tyke", status: .overridden), exposure("p6", "Jerry", "short"), exposure("p7", "Butch", "short", status: .notExposed),
            exposure("p8", "Butch", "short", at: 10, status: .notExposed), exposure("p9", "Tom", experiment: "other"),
        ])
        let counts = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [
            ArmCounts(variant: "control", pushes: 3, receivers: 2, notExposed: 1, overridden: 1),
            ArmCounts(variant: "short", pushes: 1, receivers: 1, notExposed: 2),
        ])
        let other = try await experiments.armCounts(experiment: "other", since: nil)
        XCTAssertEqual(other, [ArmCounts(variant: "control", pushes: 1, receivers: 1)])
        let none = try await experiments.armCounts(experiment: "nothing", since: nil)
        XCTAssertEqual(none, [])
    }

    /// The same (push id, receiver, experiment) again, in another batch or the same one,
    /// changes nothing.
    func aRepeatedExposureIsIgnored() async throws {
        let experiments = try await storage().experiments
        try await experiments.recordExposures([exposure("p1", "Tom"), exposure("p1", "Jerry"), exposure("p1", "Tom")])
        try await experiments.recordExposures([exposure("p1", "Tom"), exposure("p1", "Jerry", status: .notExposed), exposure("p2", "Tom")])
        let counts = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [ArmCounts(variant: "control", pushes: 3, receivers: 2)])
    }

    /// Receiver ids with quotes, backslashes and other scripts are stored as given: a
    /// driver may pass a batch's receivers as one encoded list, and each must come back
    /// whole, counted once, and found by an open naming them.
    func receiverIdsAreStoredAsGiven() async throws {
        let experiments = try await storage().experiments
        let odd = ["Tom \"the cat\"", "back\\slash", "猫 🐱", "[1,2]"]
        try await experiments.recordExposures(odd.enumerated().map { exposure("p\($0.offset)", $0.element) })
        try await experiments.recordExposures(odd.enumerated().map { exposure("q\($0.offset)", $0.element, at: 10) })
        let counts = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [ArmCounts(variant: "control", pushes: 8, receivers: 4)])
        let outcomes = try await experiments.recordOpens(
            odd.map { OpenEvent(receiver: $0, experiment: "greeting", time: t + 60) }, windows: [:])
        XCTAssertEqual(outcomes, Array(repeating: .counted, count: 4))
        let opened = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(opened, [ArmCounts(variant: "control", pushes: 8, receivers: 4, opens: 4, openers: 4)])
    }

    /// An open counts once per (push id, receiver): the second report of it, in a later
    /// call or the same one, is a duplicate and counts nothing.
    func opensAreCountedOncePerPushAndReceiver() async throws {
        let experiments = try await storage().experiments
        try await experiments.recordExposures([exposure("p1", "Tom"), exposure("p2", "Tom", at: 10), exposure("p3", "Jerry", "short")])
        let first = try await experiments.recordOpens([open("p1", at: 60)], windows: [:])
        XCTAssertEqual(first, [.counted])
        let again = try await experiments.recordOpens([open("p1", "Tom", at: 70), open("p2", at: 80), open("p2", at: 90)], windows: [:])
        XCTAssertEqual(again, [.duplicate, .counted, .duplicate])
        let counts = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [
            ArmCounts(variant: "control", pushes: 2, receivers: 1, opens: 2, openers: 1),
            ArmCounts(variant: "short", pushes: 1, receivers: 1),
        ])
    }

    /// An open counts within its experiment's window after the push (24 hours unless
    /// given); one after the window or before the push is stored and not counted.
    func anOpenCountsOnlyWithinTheWindow() async throws {
        let experiments = try await storage().experiments
        let day = 24.0 * 60 * 60
        try await experiments.recordExposures([
            exposure("p1", "Tom", at: 100), exposure("p2", "Jerry", at: 100), exposure("p3", "Spike", at: 100),
            exposure("q1", "Tom", at: 100, experiment: "daily"), exposure("q2", "Jerry", at: 100, experiment: "daily"),
        ])
        let outcomes = try await experiments.recordOpens(
            [open("p1", at: 100 + 600), open("p2", at: 100 + 601), open("p3", at: 99), open("q1", at: 100 + day), open("q2", at: 100 + day + 1)],
            windows: ["greeting": 600])
        XCTAssertEqual(outcomes, [.counted, .outsideWindow, .outsideWindow, .counted, .outsideWindow])
        let stored = try await experiments.recordOpens([open("p2", at: 150)], windows: ["greeting": 600])
        XCTAssertEqual(stored, [.duplicate], "an open outside the window is stored")
        let greeting = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(greeting, [ArmCounts(variant: "control", pushes: 3, receivers: 3, opens: 1, openers: 1)])
        let daily = try await experiments.armCounts(experiment: "daily", since: nil)
        XCTAssertEqual(daily, [ArmCounts(variant: "control", pushes: 2, receivers: 2, opens: 1, openers: 1)])
    }

    /// A push id nobody was exposed to (never recorded, or only assigned and not seen, or
    /// forced by an override), or a receiver it did not reach, is ignored and not stored:
    /// once the push is recorded, the same event counts.
    func anOpenOfAnUnknownPushIsIgnored() async throws {
        let experiments = try await storage().experiments
        try await experiments.recordExposures([
            exposure("p1", "Tom"), exposure("p2", "Jerry", status: .notExposed), exposure("p3", "Spike", status: .overridden),
        ])
        let outcomes = try await experiments.recordOpens(
            [open("later", at: 10), open("p2", at: 10), open("p3", "Spike", at: 10), open("p1", "Jerry", at: 10), open(nil, at: 10)], windows: [:])
        XCTAssertEqual(outcomes, [.unknownPush, .unknownPush, .unknownPush, .unknownPush, .unknownPush])
        let counts = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [ArmCounts(variant: "control", pushes: 1, receivers: 1, notExposed: 1, overridden: 1)])
        try await experiments.recordExposures([exposure("later", "Tom", at: 5)])
        let now = try await experiments.recordOpens([open("later", at: 10)], windows: [:])
        XCTAssertEqual(now, [.counted])
    }

    /// One built-in push reached several receivers: an open naming only the push cannot
    /// be counted, even when only one of them was exposed (the others were assigned
    /// another variant and sent this one, or forced by an override); naming the receiver,
    /// it is, where that receiver was exposed.
    func aSharedPushNeedsTheReceiver() async throws {
        let experiments = try await storage().experiments
        try await experiments.recordExposures([
            exposure("call-1", "Tom"), exposure("call-1", "Jerry"), exposure("call-2", "Tom"), exposure("call-2", "Spike", status: .notExposed),
            call("call-3", [("control", .exposed, ["Tom"]), ("short", .overridden, ["Tyke"])]),
        ])
        let outcomes = try await experiments.recordOpens(
            [open("call-1", at: 10), open("call-1", "Jerry", at: 11), open("call-2", at: 12), open("call-2", "Spike", at: 12), open("call-3", at: 12)],
            windows: [:])
        XCTAssertEqual(outcomes, [.receiverNeeded, .counted, .receiverNeeded, .unknownPush, .receiverNeeded])
        let named = try await experiments.recordOpens([open("call-1", "Tom", at: 13), open("call-2", "Tom", at: 13)], windows: [:])
        XCTAssertEqual(named, [.counted, .counted])
        let counts = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [
            ArmCounts(variant: "control", pushes: 4, receivers: 2, opens: 3, openers: 2, notExposed: 1),
            ArmCounts(variant: "short", overridden: 1),
        ])
    }

    /// A call's answer to fifty receivers, one push id: each receiver counts as a push of
    /// its group's variant, those assigned another variant or forced by an override
    /// count apart; an open names its receiver, who must be one the push reached, and
    /// counts where that receiver was exposed. The report since a time counts the same.
    func aGroupOfManyReceiversIsOnePush() async throws {
        let experiments = try await storage().experiments
        let exposed = (0..<50).map { "user-\($0)" }
        let assigned = (50..<80).map { "user-\($0)" }
        try await experiments.recordExposures([
            call("call-1", at: 5, [("control", .exposed, exposed), ("short", .notExposed, assigned), ("short", .overridden, ["qa"])]),
            call("call-2", at: 6, [("short", .exposed, assigned)]),
        ])
        let outcomes = try await experiments.recordOpens(
            [open("call-1", "user-7", at: 10), open("call-1", "user-60", at: 10), open("call-1", "qa", at: 10), open("call-1", "nobody", at: 10),
             open("call-1", at: 10), open("call-2", "user-60", at: 10), open("call-2", "user-7", at: 10)],
            windows: [:])
        XCTAssertEqual(outcomes, [.counted, .unknownPush, .unknownPush, .unknownPush, .receiverNeeded, .counted, .unknownPush])
        let expected = [
            ArmCounts(variant: "control", pushes: 50, receivers: 50, opens: 1, openers: 1),
            ArmCounts(variant: "short", pushes: 30, receivers: 30, opens: 1, openers: 1, notExposed: 30, overridden: 1),
        ]
        let counts = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, expected)
        let since = try await experiments.armCounts(experiment: "greeting", since: t)
        XCTAssertEqual(since, expected)
        let later = try await experiments.armCounts(experiment: "greeting", since: t + 6)
        XCTAssertEqual(later, [ArmCounts(variant: "short", pushes: 30, receivers: 30, opens: 1, openers: 1)])
    }

    /// A batch handed over twice (a retry), or a call's group repeated with receivers
    /// added, counts each (push, receiver) once.
    func aRetriedBatchCountsOnce() async throws {
        let experiments = try await storage().experiments
        let batch = [call("call-1", [("control", .exposed, ["Tom", "Jerry"]), ("short", .notExposed, ["Spike"])])]
        try await experiments.recordExposures(batch)
        try await experiments.recordExposures(batch)
        try await experiments.recordExposures([call("call-1", [("control", .exposed, ["Tom", "Tyke"]), ("short", .notExposed, ["Spike", "Butch"])])])
        let counts = try await experiments.armCounts(experiment: "greeting", since: nil)
        let expected = [
            ArmCounts(variant: "control", pushes: 3, receivers: 3),
            ArmCounts(variant: "short", notExposed: 2),
        ]
        XCTAssertEqual(counts, expected)
        let since = try await experiments.armCounts(experiment: "greeting", since: t)
        XCTAssertEqual(since, expected)
        let opened = try await experiments.recordOpens([open("call-1", "Tyke", at: 10)], windows: [:])
        XCTAssertEqual(opened, [.counted], "a receiver added to a stored push is one of its receivers")
    }

    /// An event naming the receiver reported after the receiver's next push opens the
    /// push before it, not the next one.
    func aLateOpenWithoutPushIdOpensThePushBeforeIt() async throws {
        let experiments = try await storage().experiments
        try await experiments.recordExposures([
            call("call-1", at: 0, [("control", .exposed, ["Tom", "Jerry"])]), exposure("p2", "Jerry", at: 50),
            call("call-3", at: 100, [("control", .exposed, ["Tom", "Spike"])]),
        ])
        let late = try await experiments.recordOpens([OpenEvent(receiver: "Tom", experiment: "greeting", time: t + 60)], windows: [:])
        XCTAssertEqual(late, [.counted])
        let byId = try await experiments.recordOpens([open("call-1", "Tom", at: 70), open("call-3", "Tom", at: 170)], windows: [:])
        XCTAssertEqual(byId, [.duplicate, .counted])
    }

    /// An event without a push id opens the receiver's latest exposed push of the
    /// experiment (and variant, when named) at or before the event, the same push a
    /// report by its id would: the two are one open.
    func anOpenWithoutPushIdOpensTheLatestPush() async throws {
        let experiments = try await storage().experiments
        try await experiments.recordExposures([
            exposure("p1", "Tom", at: 0), exposure("p2", "Tom", at: 100), exposure("p3", "Tom", "short", at: 200),
            exposure("p4", "Tom", at: 300, status: .notExposed), exposure("p5", "Jerry", at: 50),
        ])
        func byReceiver(_ variant: String?, at seconds: Double) -> OpenEvent {
            OpenEvent(receiver: "Tom", experiment: "greeting", variant: variant, time: t + seconds)
        }
        let outcomes = try await experiments.recordOpens(
            [byReceiver("control", at: 150), byReceiver(nil, at: 350), byReceiver(nil, at: -1),
             OpenEvent(receiver: "Tom", experiment: "other", time: t + 150)],
            windows: [:])
        XCTAssertEqual(outcomes, [.counted, .counted, .unknownPush, .unknownPush])
        let byId = try await experiments.recordOpens([open("p2", "Tom", at: 160), open("p3", at: 360), open("p1", at: 20)], windows: [:])
        XCTAssertEqual(byId, [.duplicate, .duplicate, .counted])
        let counts = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(counts, [
            ArmCounts(variant: "control", pushes: 3, receivers: 2, opens: 2, openers: 1, notExposed: 1),
            ArmCounts(variant: "short", pushes: 1, receivers: 1, opens: 1, openers: 1),
        ])
    }

    /// With `since`, only pushes at or after it and their opens are counted.
    func sinceCountsOnlyLaterPushesAndTheirOpens() async throws {
        let experiments = try await storage().experiments
        try await experiments.recordExposures([
            exposure("p1", "Tom", at: 0), exposure("p2", "Tom", at: 100), exposure("p3", "Jerry", at: 99), exposure("p4", "Jerry", at: 150),
            exposure("p5", "Spike", at: 120, status: .notExposed), exposure("p6", "Tyke", at: 10, status: .overridden),
            exposure("p7", "Tyke", "short", at: 200),
        ])
        _ = try await experiments.recordOpens([open("p1", at: 300), open("p3", at: 300), open("p4", at: 300), open("p7", at: 300)], windows: [:])
        let recent = try await experiments.armCounts(experiment: "greeting", since: t + 100)
        XCTAssertEqual(recent, [
            ArmCounts(variant: "control", pushes: 2, receivers: 2, opens: 1, openers: 1, notExposed: 1),
            ArmCounts(variant: "short", pushes: 1, receivers: 1, opens: 1, openers: 1),
        ])
        let all = try await experiments.armCounts(experiment: "greeting", since: t)
        let allTime = try await experiments.armCounts(experiment: "greeting", since: nil)
        XCTAssertEqual(all, allTime, "since the first push is everything")
        let future = try await experiments.armCounts(experiment: "greeting", since: t + 1000)
        XCTAssertEqual(future, [])
    }

    func overridesAreSetReplacedAndRemoved() async throws {
        let experiments = try await storage().experiments
        try await experiments.setOverride(ExperimentOverride(experiment: "greeting", unit: "Tom", variant: "short", createdAt: t))
        try await experiments.setOverride(ExperimentOverride(experiment: "greeting", unit: "Jerry", variant: "control", createdAt: t + 1))
        try await experiments.setOverride(ExperimentOverride(experiment: "badge", unit: "Tom", variant: "red", createdAt: t + 2))
        try await experiments.setOverride(ExperimentOverride(experiment: "greeting", unit: "Tom", variant: "long", createdAt: t + 3))
        let all = try await experiments.overrides(experiment: nil)
        XCTAssertEqual(all, [
            ExperimentOverride(experiment: "badge", unit: "Tom", variant: "red", createdAt: t + 2),
            ExperimentOverride(experiment: "greeting", unit: "Jerry", variant: "control", createdAt: t + 1),
            ExperimentOverride(experiment: "greeting", unit: "Tom", variant: "long", createdAt: t + 3),
        ])
        let removed = try await experiments.removeOverride(experiment: "greeting", unit: "Tom")
        let again = try await experiments.removeOverride(experiment: "greeting", unit: "Tom")
        XCTAssertTrue(removed)
        XCTAssertFalse(again)
        let greeting = try await experiments.overrides(experiment: "greeting")
        XCTAssertEqual(greeting, [ExperimentOverride(experiment: "greeting", unit: "Jerry", variant: "control", createdAt: t + 1)])
    }

    /// The first weights stored for a minute are kept: a later save of that minute gets
    /// them back. The history is oldest first.
    func theFirstWeightsOfAMinuteAreKept() async throws {
        let experiments = try await storage().experiments
        let first = WeightUpdate(experiment: "greeting", time: t + 120, weights: ["control": 0.4, "short": 0.6])
        let saved = try await experiments.saveWeights(first)
        XCTAssertEqual(saved, first)
        let late = try await experiments.saveWeights(WeightUpdate(experiment: "greeting", time: t + 120, weights: ["control": 0.5, "short": 0.5]))
        XCTAssertEqual(late, first)
        let earlier = WeightUpdate(experiment: "greeting", time: t + 60, weights: ["control": 0.5, "short": 0.5])
        _ = try await experiments.saveWeights(earlier)
        let other = WeightUpdate(experiment: "badge", time: t + 60, weights: ["red": 1.0 / 3, "blue": 2.0 / 3])
        let otherSaved = try await experiments.saveWeights(other)
        XCTAssertEqual(otherSaved, other)
        let history = try await experiments.weightHistory(experiment: "greeting")
        XCTAssertEqual(history, [earlier, first])
        let badge = try await experiments.weightHistory(experiment: "badge")
        XCTAssertEqual(badge, [other], "weights come back exactly")
    }

    /// Two stores on one database (two instances): each sees what the other recorded.
    func twoStoresOnOneDatabaseSeeEachOther() async throws {
        let storage = try await storage()
        let (a, b) = (storage.experiments, storage.otherExperiments)
        try await a.recordExposures([exposure("p1", "Tom"), exposure("p2", "Jerry")])
        try await b.recordExposures([exposure("p3", "Spike", "short"), exposure("p1", "Tom")])
        let opened = try await b.recordOpens([open("p1", at: 10)], windows: [:])
        XCTAssertEqual(opened, [.counted])
        let again = try await a.recordOpens([open("p1", at: 11), open("p3", at: 12)], windows: [:])
        XCTAssertEqual(again, [.duplicate, .counted])
        for store in [a, b] {
            let counts = try await store.armCounts(experiment: "greeting", since: nil)
            XCTAssertEqual(counts, [
                ArmCounts(variant: "control", pushes: 2, receivers: 2, opens: 1, openers: 1),
                ArmCounts(variant: "short", pushes: 1, receivers: 1, opens: 1, openers: 1),
            ])
        }
        try await b.setOverride(ExperimentOverride(experiment: "greeting", unit: "Tom", variant: "short", createdAt: t))
        let overrides = try await a.overrides(experiment: "greeting")
        XCTAssertEqual(overrides.map(\.variant), ["short"])
        let mine = WeightUpdate(experiment: "greeting", time: t + 60, weights: ["control": 0.5, "short": 0.5])
        _ = try await a.saveWeights(mine)
        let theirs = try await b.saveWeights(WeightUpdate(experiment: "greeting", time: t + 60, weights: ["control": 0.9, "short": 0.1]))
        XCTAssertEqual(theirs, mine)
    }

    /// Two instances recording exposures and opens of the same receivers at once, each
    /// batch naming them in another order: none fails (no deadlock over the receivers'
    /// rows) and every count adds up.
    func instancesRecordingAtOnceCountEverything() async throws {
        let storage = try await storage()
        let receivers = (0..<40).map { "r\($0)" }
        let rounds = 10
        let openedAt = t + 1
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (instance, store) in [storage.experiments, storage.otherExperiments].enumerated() {
                for task in 0..<3 {
                    let batches = (0..<rounds).map { round in
                        receivers.shuffled().map { receiver in
                            exposure("\(instance)-\(task)-\(round)-\(receiver)", receiver, receiver.hasSuffix("1") ? "short" : "control")
                        }
                    }
                    group.addTask {
                        for batch in batches {
                            try await store.recordExposures(batch)
                            let opens = batch.shuffled().map { OpenEvent(pushId: $0.groups[0].pushIds[0], time: openedAt) }
                            let outcomes = try await store.recordOpens(opens, windows: [:])
                            XCTAssertEqual(Set(outcomes), [.counted])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let counts = try await storage.experiments.armCounts(experiment: "greeting", since: nil)
        let pushesEach = 2 * 3 * rounds
        XCTAssertEqual(counts, [
            ArmCounts(variant: "control", pushes: 36 * pushesEach, receivers: 36, opens: 36 * pushesEach, openers: 36),
            ArmCounts(variant: "short", pushes: 4 * pushesEach, receivers: 4, opens: 4 * pushesEach, openers: 4),
        ])
    }
}
