import Delivery
import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Server
import XCTest

/// The admin API's `/v1/queue`: counts, jobs with filters and a cursor, retrying and
/// purging dead jobs. No provider is configured, so the workers dead-letter whatever
/// they claim ("not configured"); the jobs made here are due tomorrow, out of their reach.
final class QueueAdminTests: XCTestCase {
    /// The workers only wake when signalled: a retried job that is sent again proves the
    /// route woke them.
    private func configuration() throws -> ServerConfiguration {
        var configuration = try makeConfiguration(adminToken: TestSecrets.adminToken)
        configuration.delivery.pollSeconds = 1_000_000
        return configuration
    }

    /// The queue the tests start from.
    struct Jobs {
        /// Ready: due tomorrow.
        var webhookReady: [Int64]
        /// Claimed tomorrow, so leased until then.
        var webhookLeased: Int64
        /// Dead two days ago (old), an hour ago (recent) and two days ago.
        var platformDead: [Int64]
    }

    /// Four webhook jobs (one delivered, one leased, two ready) and three dead platform jobs.
    private static func makeJobs(_ server: TestServer) async throws -> Jobs {
        let queue = server.server.service.delivery.queue
        let now = Date()
        let tomorrow = now.addingTimeInterval(86_400)
        func push(_ id: String, _ provider: ProviderKind, tokens: [String]) -> NewPush {
            NewPush(
                pushId: id, hookCallId: "call-\(id)", receiver: "Jerry", conversation: "conv-1", template: "default",
                payload: .object([(key: "alert", value: .string("hi"))]), incrementsBadge: false,
                devices: tokens.map { DeviceAddress(provider: provider, token: $0) })
        }
        let enqueued = try await queue.enqueue(
            [push("push-w", .webhook, tokens: ["w1", "w2", "w3", "w4"]), push("push-p", .platform, tokens: ["p1", "p2", "p3"])], now: tomorrow)
        let webhook = enqueued[0].jobIds
        let claimedWebhook = try await queue.claim(provider: .webhook, limit: 2, leaseDuration: .seconds(60), now: tomorrow)
        XCTAssertEqual(claimedWebhook.map(\.id), Array(webhook.prefix(2)))
        let delivered = try await queue.finish(try XCTUnwrap(claimedWebhook[0].lease), as: .delivered)
        XCTAssertTrue(delivered)
        let claimedPlatform = try await queue.claim(provider: .platform, limit: 3, leaseDuration: .seconds(60), now: tomorrow)
        XCTAssertEqual(claimedPlatform.count, 3)
        let deaths: [(Int?, String, Date)] = [
            (nil, "connection refused", now.addingTimeInterval(-2 * 86_400)),
            (400, "BadDeviceToken", now.addingTimeInterval(-3600)),
            (403, "forbidden", now.addingTimeInterval(-2 * 86_400)),
        ]
        for (job, (status, reason, at)) in zip(claimedPlatform, deaths) {
            let dead = try await queue.deadLetter(try XCTUnwrap(job.lease), status: status, reason: reason, now: at)
            XCTAssertTrue(dead)
        }
        return Jobs(webhookReady: Array(webhook.suffix(2)), webhookLeased: webhook[1], platformDead: enqueued[1].jobIds)
    }

    private static func ids(_ page: JSON) -> [Int64] {
        (page["jobs"]?.arrayValue ?? []).compactMap { $0["id"]?.numberValue.map(Int64.init) }
    }

    /// Waits until the job is dead with the reason the workers give an unconfigured
    /// provider's jobs. The workers give no event to await from outside the server: the
    /// queue is read until then (a minute at most).
    private static func awaitSentAgain(_ server: TestServer, _ id: Int64) async throws -> PushJob? {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let job = try await server.server.service.delivery.queue.job(id: id), job.state == .dead, job.lastReason?.contains("not configured") == true {
                return job
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    func testStatsCountJobsByProviderAndState() async throws {
        try await withServer(try configuration()) { server in
            let empty = try await server.admin(.get, "/v1/queue")
            XCTAssertEqual(empty.status, .ok, empty.text)
            XCTAssertEqual(try empty.json["providers"]?.keys, ["apns", "fcm", "platform", "webhook"])
            XCTAssertEqual(try empty.json["oldestReadyAgeSeconds"], .number(0))
            XCTAssertEqual(try empty.json["intakeRecords"], .number(0))

            _ = try await Self.makeJobs(server)
            let stats = try await server.admin(.get, "/v1/queue").json
            XCTAssertEqual(stats["providers"]?["webhook"], try decodeJSON(#"{"ready":2,"leased":1,"dead":0,"delivered":1,"deviceGone":0}"#))
            XCTAssertEqual(stats["providers"]?["platform"], try decodeJSON(#"{"ready":0,"leased":0,"dead":3,"delivered":0,"deviceGone":0}"#))
            XCTAssertEqual(stats["providers"]?["apns"], try decodeJSON(#"{"ready":0,"leased":0,"dead":0,"delivered":0,"deviceGone":0}"#))
            // The ready jobs were queued "tomorrow": they have not waited yet.
            XCTAssertEqual(stats["oldestReadyAgeSeconds"], .number(0))

            let unknown = try await server.admin(.get, "/v1/queue?verbose=1")
            XCTAssertEqual(unknown.status, .badRequest)
            XCTAssertTrue(unknown.text.contains("unknown query parameter 'verbose'"), unknown.text)
        }
    }

    func testTheOldestReadyAgeIsInWholeSeconds() {
        let now = Date()
        let stats = QueueStats(byProvider: [:], oldestReadyQueuedAt: now.addingTimeInterval(-90.6))
        XCTAssertEqual(DeliveryJSON.stats(stats, now: now)["oldestReadyAgeSeconds"], .number(90))
        XCTAssertEqual(DeliveryJSON.stats(QueueStats(byProvider: [:], oldestReadyQueuedAt: nil), now: now)["oldestReadyAgeSeconds"], .number(0))
    }

    func testJobsAreListedByFilterAndPagedByCursor() async throws {
        try await withServer(try configuration()) { server in
            let jobs = try await Self.makeJobs(server)
            let everything = [jobs.webhookLeased] + jobs.webhookReady + jobs.platformDead

            let all = try await server.admin(.get, "/v1/queue/jobs").json
            XCTAssertEqual(Self.ids(all), everything)
            XCTAssertEqual(all["next"], .null)
            let deadIds = Self.ids(try await server.admin(.get, "/v1/queue/jobs?state=dead").json)
            XCTAssertEqual(deadIds, jobs.platformDead)
            let leasedIds = Self.ids(try await server.admin(.get, "/v1/queue/jobs?state=leased").json)
            XCTAssertEqual(leasedIds, [jobs.webhookLeased])
            let webhookIds = Self.ids(try await server.admin(.get, "/v1/queue/jobs?provider=webhook").json)
            XCTAssertEqual(webhookIds, [jobs.webhookLeased] + jobs.webhookReady)
            let readyWebhookIds = Self.ids(try await server.admin(.get, "/v1/queue/jobs?state=ready&provider=webhook").json)
            XCTAssertEqual(readyWebhookIds, jobs.webhookReady)
            let readyPlatformIds = Self.ids(try await server.admin(.get, "/v1/queue/jobs?state=ready&provider=platform").json)
            XCTAssertEqual(readyPlatformIds, [])

            // Pages of two: the last full page says it is the last.
            var seen: [Int64] = []
            var path = "/v1/queue/jobs?limit=2"
            var pages = 0
            while true {
                let page = try await server.admin(.get, path).json
                let ids = Self.ids(page)
                XCTAssertLessThanOrEqual(ids.count, 2)
                seen += ids
                pages += 1
                guard let next = page["next"]?.numberValue else { break }
                XCTAssertEqual(Int64(next), ids.last)
                path = "/v1/queue/jobs?limit=2&after=\(Int64(next))"
            }
            XCTAssertEqual(seen, everything)
            XCTAssertEqual(pages, 3)

            let secondDead = try await server.admin(.get, "/v1/queue/jobs?state=dead&after=\(jobs.platformDead[0])&limit=1").json
            let dead = try XCTUnwrap(secondDead["jobs"]?[0], "\(secondDead)")
            XCTAssertEqual(dead["id"], .number(Double(jobs.platformDead[1])))
            XCTAssertEqual(dead["pushId"], .string("push-p"))
            XCTAssertEqual(dead["hookCallId"], .string("call-push-p"))
            XCTAssertEqual(dead["receiver"], .string("Jerry"))
            XCTAssertEqual(dead["conversation"], .string("conv-1"))
            XCTAssertEqual(dead["template"], .string("default"))
            XCTAssertEqual(dead["provider"], .string("platform"))
            XCTAssertEqual(dead["token"], .string("p2"))
            XCTAssertEqual(dead["state"], .string("dead"))
            XCTAssertEqual(dead["attempts"], .number(1))
            XCTAssertEqual(dead["lastStatus"], .number(400))
            XCTAssertEqual(dead["lastReason"], .string("BadDeviceToken"))
            XCTAssertEqual(dead["dueAt"], .null)
            for field in ["queuedAt", "deadAt"] {
                let time = try XCTUnwrap(dead[field]?.stringValue, field)
                XCTAssertNotNil(time.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression), time)
            }
            let leasedPage = try await server.admin(.get, "/v1/queue/jobs?state=leased").json
            let leased = try XCTUnwrap(leasedPage["jobs"]?[0], "\(leasedPage)")
            XCTAssertNotEqual(leased["dueAt"], .null, "a leased job's dueAt is when its lease ends")
            XCTAssertEqual(leased["lastStatus"], .null)

            let refused: [(String, String)] = [
                ("state=gone", "query parameter 'state' must be one of ready, leased, dead, not 'gone'"),
                ("provider=pigeon", "query parameter 'provider' must be one of apns, fcm, platform, webhook, not 'pigeon'"),
                ("limit=0", "query parameter 'limit' must be a whole number from 1 to 1000"),
                ("limit=1001", "query parameter 'limit' must be a whole number from 1 to 1000"),
                ("after=-1", "query parameter 'after' must be a whole number from 0"),
                ("after=x", "query parameter 'after' must be a whole number from 0"),
                ("state=dead&state=ready", "query parameter 'state' is given more than once"),
                ("status=dead", "unknown query parameter 'status'"),
            ]
            for (query, error) in refused {
                let response = try await server.admin(.get, "/v1/queue/jobs?\(query)")
                XCTAssertEqual(response.status, .badRequest, query)
                XCTAssertTrue(try response.json["error"]?.stringValue?.contains(error) == true, "\(query): \(response.text)")
            }
        }
    }

    func testOneDeadJobIsRetriedAndTheWorkersWake() async throws {
        try await withServer(try configuration()) { server in
            let jobs = try await Self.makeJobs(server)
            let retried = try await server.admin(.post, "/v1/queue/jobs/\(jobs.platformDead[1])/retry")
            XCTAssertEqual(retried.status, .ok, retried.text)
            XCTAssertEqual(retried.text, #"{"retried":1}"#)
            // The woken platform worker sends it at once: with no platform provider it is
            // dead again, with that reason and a fresh count of attempts.
            let sentAgain = try await Self.awaitSentAgain(server, jobs.platformDead[1])
            let job = try XCTUnwrap(sentAgain, "the retried job was not sent again: the workers were not woken")
            XCTAssertEqual(job.attempts, 1)
            XCTAssertEqual(job.lastStatus, nil)
            // The others stay as they were.
            let other = try await server.server.service.delivery.queue.job(id: jobs.platformDead[0])
            XCTAssertEqual(other?.lastReason, "connection refused")

            for (path, status) in [
                ("/v1/queue/jobs/\(jobs.webhookReady[0])/retry", HTTPResponse.Status.notFound),  // not dead
                ("/v1/queue/jobs/\(jobs.webhookLeased)/retry", .notFound),
                ("/v1/queue/jobs/987654/retry", .notFound),
                ("/v1/queue/jobs/abc/retry", .badRequest),
                ("/v1/queue/jobs/0/retry", .badRequest),
            ] {
                let response = try await server.admin(.post, path)
                XCTAssertEqual(response.status, status, "\(path): \(response.text)")
            }
            let ready = try await server.server.service.delivery.queue.job(id: jobs.webhookReady[0])
            XCTAssertEqual(ready?.state, .ready)
        }
    }

    func testEveryDeadJobIsRetriedPerProviderOrAll() async throws {
        try await withServer(try configuration()) { server in
            let jobs = try await Self.makeJobs(server)
            let none = try await server.admin(.post, "/v1/queue/dead/retry?provider=webhook")
            XCTAssertEqual(none.text, #"{"retried":0}"#)
            let bad = try await server.admin(.post, "/v1/queue/dead/retry?provider=pigeon")
            XCTAssertEqual(bad.status, .badRequest)
            let all = try await server.admin(.post, "/v1/queue/dead/retry")
            XCTAssertEqual(all.status, .ok, all.text)
            XCTAssertEqual(all.text, #"{"retried":3}"#)
            for id in jobs.platformDead {
                let sentAgain = try await Self.awaitSentAgain(server, id)
                XCTAssertNotNil(sentAgain, "job \(id) was not sent again")
            }
        }
    }

    func testDeadJobsArePurgedByAge() async throws {
        try await withServer(try configuration()) { server in
            let jobs = try await Self.makeJobs(server)
            for (query, error) in [
                ("older_than=1d", "unknown query parameter 'older_than'"),
                ("olderThan=soon", "query parameter 'olderThan' must be a duration such as 30m, 24h, 7d"),
                ("olderThan=1w", "query parameter 'olderThan' must be a duration"),
                ("olderThan=99999999d", "query parameter 'olderThan' must be a duration"),
            ] {
                let response = try await server.admin(.delete, "/v1/queue/dead?\(query)")
                XCTAssertEqual(response.status, .badRequest, query)
                XCTAssertTrue(response.text.contains(error), "\(query): \(response.text)")
            }
            let deadBefore = Self.ids(try await server.admin(.get, "/v1/queue/jobs?state=dead").json)
            XCTAssertEqual(deadBefore, jobs.platformDead, "a refused purge purges nothing")

            let old = try await server.admin(.delete, "/v1/queue/dead?olderThan=1d")
            XCTAssertEqual(old.status, .ok, old.text)
            XCTAssertEqual(old.text, #"{"purged":2}"#)
            let deadAfter = Self.ids(try await server.admin(.get, "/v1/queue/jobs?state=dead").json)
            XCTAssertEqual(deadAfter, [jobs.platformDead[1]])
            let purgedNone = try await server.admin(.delete, "/v1/queue/dead?olderThan=2h").text
            XCTAssertEqual(purgedNone, #"{"purged":0}"#)
            let purgedRecent = try await server.admin(.delete, "/v1/queue/dead?olderThan=1800").text
            XCTAssertEqual(purgedRecent, #"{"purged":1}"#)
            let purgedRest = try await server.admin(.delete, "/v1/queue/dead").text
            XCTAssertEqual(purgedRest, #"{"purged":0}"#)
            // Only dead jobs go.
            let stats = try await server.admin(.get, "/v1/queue").json
            XCTAssertEqual(stats["providers"]?["webhook"]?["ready"], .number(2))
            XCTAssertEqual(stats["providers"]?["webhook"]?["leased"], .number(1))
            XCTAssertEqual(stats["providers"]?["platform"]?["dead"], .number(0))
        }
    }

    func testEveryQueueRouteNeedsTheAdminToken() async throws {
        try await withServer(try configuration()) { server in
            let jobs = try await Self.makeJobs(server)
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/queue"), (.get, "/v1/queue/jobs"), (.post, "/v1/queue/jobs/\(jobs.platformDead[0])/retry"),
                (.post, "/v1/queue/dead/retry"), (.delete, "/v1/queue/dead"),
            ]
            for (method, path) in routes {
                let response = try await server.admin(method, path, headers: Header.bearer("not-the-token"))
                XCTAssertEqual(response.status, .unauthorized, "\(method) \(path)")
            }
            let deadUnchanged = Self.ids(try await server.admin(.get, "/v1/queue/jobs?state=dead").json)
            XCTAssertEqual(deadUnchanged, jobs.platformDead, "nothing changed")
        }
    }

    func testDurationsReadAsOperatorsWriteThem() {
        let read: [(String, Int)] = [("30m", 1800), ("24h", 86_400), ("7d", 604_800), ("90s", 90), ("3600", 3600), ("0", 0), ("36500d", DurationText.maxSeconds)]
        for (text, seconds) in read {
            XCTAssertEqual(DurationText.seconds(text), seconds, text)
        }
        for text in ["", "d", "1.5h", "-1d", "+1d", "1w", " 1d", "1d ", "1D", "１d", "36501d", "99999999999999999999", "9223372036854775807d"] {
            XCTAssertNil(DurationText.seconds(text), text)
        }
    }
}
