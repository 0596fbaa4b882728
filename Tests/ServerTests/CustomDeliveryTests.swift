import Delivery
import Foundation
import HummingbirdTesting
@testable import Server
import XCTest

/// Custom delivery end to end: the real server (its delivery workers running as one of
/// its services), real SQLite and audit files, and a real webhook endpoint on loopback.
final class CustomDeliveryTests: XCTestCase {
    /// The "done when": three receivers with webhook devices and a group message
    /// that mentions one of them.
    func testAMentionInAGroupGoesThroughTheWebhookAndTheOthersStayInTheAnswer() async throws {
        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            try await withServer(try configuration(webhook: url)) { server in
                for receiver in ["Jerry", "Spike", "Tyke"] { try await server.registerWebhookDevice(receiver) }
                let result = try await server.receiversOffline(
                    HookBody.receiversOffline(to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("Lunch?"), mentioned: ["Tyke"]))

                // The built-in push reaches exactly the unmentioned group.
                XCTAssertEqual(result["offlinePeers"]?.stringArray, ["Jerry", "Spike"])
                let answered = try pushMessage(of: result)
                XCTAssertEqual(answered["alert"], .string("Tom: Lunch?"))
                XCTAssertEqual(answered["badge"], .string("Increment"))

                let hook = try await server.lastHookRecord()
                let call = try XCTUnwrap(hook["call"]?.stringValue)
                let custom = try XCTUnwrap(hook["custom"]?.arrayValue)
                XCTAssertEqual(custom.map { $0["receiver"] }, [.string("Tyke")])
                let pushId = try XCTUnwrap(custom.first?["push"]?.stringValue)

                let pushes = await webhook.pushes(1)
                let push = try XCTUnwrap(pushes.first)
                XCTAssertEqual(push.receiver, "Tyke")
                XCTAssertEqual(push.pushId, pushId)
                XCTAssertEqual(push.hookCallId, call)
                XCTAssertEqual(push.payload["alert"], .string("Tom mentioned you: Lunch?"))
                XCTAssertEqual(push.payload["badge"], .number(1), "the custom channel carries the badge as a number")

                try await eventually("the push is recorded as delivered") { try await server.deliveryEvents(of: pushId).contains("delivered") }
                let stats = try await server.queueStats().counts(.webhook)
                XCTAssertEqual(stats, QueueStats.Counts(delivered: 1))

                let records = try await server.deliveryRecords(of: pushId)
                XCTAssertEqual(records.compactMap { $0["kind"]?.stringValue }.sorted(), ["attempt", "delivered", "queued"])
                for record in records {
                    XCTAssertEqual(record["call"], .string(call), "\(record)")
                    XCTAssertEqual(record["receiver"], .string("Tyke"), "\(record)")
                    XCTAssertEqual(record["provider"], .string("webhook"), "\(record)")
                    XCTAssertEqual(record["device"], .string("…" + String("Tyke-phone".suffix(8))), "\(record)")
                }
                let queued = try XCTUnwrap(records.first { $0["kind"] == .string("queued") })
                XCTAssertEqual(queued["badge"], .number(1))
                let attempt = try XCTUnwrap(records.first { $0["kind"] == .string("attempt") })
                XCTAssertEqual(attempt["outcome"], .string("delivered"))
                XCTAssertEqual(attempt["status"], .number(200))
                XCTAssertEqual(attempt["attempt"], .number(1))
                XCTAssertNil(attempt["nextAttemptAt"])
                XCTAssertEqual(webhook.refused, 0)
            }
        }
    }

    func testReceiversWithoutADeviceAreCoalescedOrUndeliverable() async throws {
        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            try await withServer(try configuration(webhook: url, templates: templatesWithCustomDelivery())) { server in
                try await server.registerWebhookDevice("Jerry")

                // Built-in template: the mentioned receiver has no device, so they fall back
                // to the answer, which then reaches everyone.
                let result = try await server.receiversOffline(
                    HookBody.receiversOffline(to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("Lunch?"), mentioned: ["Tyke"]))
                XCTAssertNil(result["offlinePeers"])
                XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: Lunch?"))
                var hook = try await server.lastHookRecord()
                XCTAssertEqual(hook["coalesced"]?.arrayValue?.map { $0["receiver"] }, [.string("Tyke")])
                XCTAssertEqual(hook["coalesced"]?[0]?["reason"], .string("no device"))
                XCTAssertEqual(hook["custom"]?.arrayValue?.count, 0)
                // Nothing was queued.
                let nothingQueued = try await server.queueStats().counts(.webhook)
                XCTAssertEqual(nothingQueued, QueueStats.Counts())

                // `builtin: false`: the answer skips; who has no device is undeliverable.
                let skipped = try await server.receiversOffline(
                    HookBody.receiversOffline(conversation: "custom-1", to: ["Jerry", "Spike"], content: HookBody.text("Lunch?")))
                XCTAssertEqual(skipped, .object(["skip": .bool(true)]))
                hook = try await server.lastHookRecord()
                XCTAssertEqual(hook["template"], .string("custom"))
                XCTAssertEqual(hook["undeliverable"], .array([.object(["receiver": .string("Spike"), "reason": .string("no device")])]))
                XCTAssertEqual(hook["custom"]?.arrayValue?.map { $0["receiver"] }, [.string("Jerry")])
                let pushes = await webhook.pushes(1)
                let push = try XCTUnwrap(pushes.first)
                XCTAssertEqual(push.receiver, "Jerry")
                XCTAssertEqual(push.pushId, hook["custom"]?[0]?["push"]?.stringValue)
                XCTAssertEqual(push.payload["alert"], .string("Tom: Lunch?"))
            }
        }
    }

    /// Mutes learned from `_conversationUpdate` hold on the custom channel: a muted
    /// receiver is queued only when their push is forced (`force: mentions`).
    func testMutesHoldOnTheCustomChannel() async throws {
        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            try await withServer(try configuration(webhook: url)) { server in
                let everyone = ["Jerry", "Butch", "Spike", "Tyke", "Nibbles"]
                for receiver in everyone { try await server.registerWebhookDevice(receiver) }
                for muting in ["Jerry", "Tyke"] {
                    let mute = try await server.call("_conversationUpdate", json: ["initBy": muting, "convId": "conv-1", "mute": true])
                    XCTAssertEqual(mute.status, .ok, mute.text)
                }

                // The mentioned three are the answer; the unmentioned two go to the custom
                // channel, where Jerry's mute holds and Butch is queued.
                var result = try await server.receiversOffline(
                    HookBody.receiversOffline(to: everyone, content: HookBody.text("Meeting"), mentioned: ["Spike", "Tyke", "Nibbles"]))
                XCTAssertEqual(result["offlinePeers"]?.stringArray, ["Spike", "Tyke", "Nibbles"])
                XCTAssertEqual(result["force"], .bool(true))
                var hook = try await server.lastHookRecord()
                XCTAssertEqual(hook["custom"]?.arrayValue?.map { $0["receiver"] }, [.string("Butch")])
                XCTAssertEqual(hook["mutedUnforced"]?.stringArray, ["Jerry"])
                // Admitted into the queue beside the answer: counted once admitted.
                try await eventually("only Butch's push is queued") {
                    let unforced = try await server.queueStats().counts(.webhook)
                    return unforced.ready + unforced.leased + unforced.delivered == 1
                }

                // A mention forces: muted Tyke is queued and sent.
                result = try await server.receiversOffline(
                    HookBody.receiversOffline(to: everyone, content: HookBody.text("Tyke?"), mentioned: ["Tyke"]))
                XCTAssertEqual(result["offlinePeers"]?.stringArray, ["Jerry", "Butch", "Spike", "Nibbles"])
                hook = try await server.lastHookRecord()
                XCTAssertEqual(hook["custom"]?.arrayValue?.map { $0["receiver"] }, [.string("Tyke")])
                XCTAssertEqual(hook["mutedUnforced"]?.stringArray, ["Jerry"], "the built-in push skips Jerry itself")

                let pushes = await webhook.pushes(2)
                XCTAssertEqual(pushes.map(\.receiver).sorted(), ["Butch", "Tyke"])
                XCTAssertEqual(pushes.first { $0.receiver == "Tyke" }?.payload["alert"], .string("Tom mentioned you: Tyke?"))
                XCTAssertFalse(pushes.contains { $0.receiver == "Jerry" })
            }
        }
    }

    /// A receiver the registry has no locale for gets their newest device's.
    func testTheLocaleComesFromTheNewestDeviceWhenTheRegistryHasNone() async throws {
        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            try await withServer(try configuration(webhook: url)) { server in
                try await server.registerWebhookDevice("Jerry", token: "Jerry-old-phone", locale: "en", at: Date(timeIntervalSinceNow: -60))
                try await server.registerWebhookDevice("Jerry", token: "Jerry-new-phone", locale: "zh-Hans")
                try await server.registerWebhookDevice("Spike")
                try await server.registerWebhookDevice("Tyke")

                let result = try await server.receiversOffline(
                    HookBody.receiversOffline(to: ["Jerry", "Spike", "Tyke"], content: HookBody.text("你好")))
                XCTAssertEqual(result["offlinePeers"]?.stringArray, ["Spike", "Tyke"])
                XCTAssertEqual(try pushMessage(of: result)["alert"], .string("Tom: 你好"))
                let hook = try await server.lastHookRecord()
                let jerrysGroup = try XCTUnwrap(hook["groups"]?.arrayValue?.first { $0["receivers"]?.stringArray == ["Jerry"] })
                XCTAssertEqual(jerrysGroup["locale"], .string("zh-Hans"))

                // Each of Jerry's devices gets the zh-Hans push, under one push id.
                let pushes = await webhook.pushes(2)
                XCTAssertEqual(Set(pushes.map(\.token)), ["Jerry-old-phone", "Jerry-new-phone"])
                XCTAssertEqual(Set(pushes.map(\.pushId)).count, 1)
                for push in pushes { XCTAssertEqual(push.payload["alert"], .string("Tom：你好")) }
            }
        }
    }

    /// The custom channel's badge is a per-receiver counter, incremented as each push is
    /// queued, and reset by `_clientOnline` when so configured.
    func testTheBadgeCountsPushesAndClientOnlineResetsIt() async throws {
        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            var configuration = try configuration(webhook: url, templates: templatesWithCustomDelivery())
            configuration.delivery.badgeResetOnClientOnline = true
            try await withServer(configuration) { server in
                try await server.registerWebhookDevice("Jerry")
                func push(_ text: String) async throws -> String {
                    let result = try await server.receiversOffline(
                        HookBody.receiversOffline(conversation: "custom-1", to: ["Jerry"], content: HookBody.text(text)))
                    XCTAssertEqual(result["skip"], .bool(true))
                    let hook = try await server.lastHookRecord()
                    return try XCTUnwrap(hook["custom"]?[0]?["push"]?.stringValue)
                }
                let first = try await push("one")
                let second = try await push("two")
                let online = try await server.call("_clientOnline", json: ["peerId": "Jerry"])
                XCTAssertEqual(online.status, .ok, online.text)
                let third = try await push("three")

                let pushes = await webhook.pushes(3)
                var badges: [String: JSON] = [:]
                for push in pushes { badges[push.pushId] = push.payload["badge"] }
                XCTAssertEqual(badges[first], .number(1))
                XCTAssertEqual(badges[second], .number(2))
                XCTAssertEqual(badges[third], .number(1), "_clientOnline reset the counter")
                for (pushId, badge) in [(first, 1.0), (second, 2), (third, 1)] {
                    let queued = try await server.deliveryRecords(of: pushId).first { $0["kind"] == .string("queued") }
                    XCTAssertEqual(queued?["badge"], .number(badge), "queued record of \(pushId)")
                }
            }
        }
    }

    /// Pushes queued while the endpoint refuses connections are retried, and all
    /// delivered once it is back; each retry is an `attempt` record with its next time.
    /// A refused connection ends its attempt at once: not at the HTTP client's connect
    /// timeout (10 s), nor at the webhook's timeout.
    func testPushesQueuedWhileTheEndpointIsDownAreDeliveredWhenItIsBack() async throws {
        let webhook = WebhookStandIn()
        // Started once to find a free port, then stopped: connections are refused.
        let port = try await webhook.serve { _, port in port }
        var configuration = try configuration(webhook: "http://127.0.0.1:\(port)\(WebhookStandIn.path)", templates: templatesWithCustomDelivery())
        configuration.delivery.webhookTimeoutSeconds = 120
        configuration.delivery.leaseSeconds = 180
        try await withServer(configuration) { server in
            let receivers = ["Jerry", "Spike", "Tyke"]
            for receiver in receivers { try await server.registerWebhookDevice(receiver) }
            var pushIds: Set<String> = []
            for n in 1...3 {
                _ = try await server.receiversOffline(
                    HookBody.receiversOffline(conversation: "custom-\(n)", to: receivers, content: HookBody.text("message \(n)")))
                pushIds.formUnion(try await server.lastHookRecord()["custom"]?.arrayValue?.compactMap { $0["push"]?.stringValue } ?? [])
            }
            XCTAssertEqual(pushIds.count, 9)
            let queued = pushIds

            // Every push is retried at least twice while the endpoint is down.
            try await eventually("each push retried twice") {
                let retries = try await server.deliveryRecords().filter { $0["kind"] == .string("attempt") && $0["outcome"] == .string("retry") }
                return queued.allSatisfy { id in retries.count { $0["push"] == .string(id) } >= 2 }
            }
            let deliveredWhileDown = try await server.queueStats().counts(.webhook).delivered
            XCTAssertEqual(deliveredWhileDown, 0)

            try await webhook.serve(port: port) { _, _ in
                let arrived = await webhook.wait { pushes in queued.isSubset(of: pushes.map(\.pushId)) }
                XCTAssertTrue(arrived, "\(webhook.received.count) pushes arrived of \(queued.count)")
                try await eventually("all 9 recorded as delivered") {
                    let delivered = try await server.deliveryRecords().count { $0["kind"] == .string("delivered") }
                    let stats = try await server.queueStats().counts(.webhook)
                    return delivered == 9 && stats.delivered == 9
                }
            }
            let stats = try await server.queueStats().counts(.webhook)
            XCTAssertEqual(stats, QueueStats.Counts(delivered: 9))

            let records = try await server.deliveryRecords()
            for pushId in queued {
                let attempts = records.filter { $0["push"] == .string(pushId) && $0["kind"] == .string("attempt") }
                let retries = attempts.filter { $0["outcome"] == .string("retry") }
                XCTAssertGreaterThanOrEqual(retries.count, 2, pushId)
                for retry in retries {
                    XCTAssertNotNil(retry["nextAttemptAt"]?.stringValue, "\(retry)")
                    XCTAssertNil(retry["status"], "a refused connection has no status: \(retry)")
                    XCTAssertLessThan(retry["millis"]?.numberValue ?? .infinity, 5_000, "ended by the refusal, not by a timeout: \(retry)")
                    XCTAssertEqual(retry["reason"], .string("connection error: connection refused"), "\(retry)")
                }
                XCTAssertEqual(attempts.last?["outcome"], .string("delivered"), pushId)
                XCTAssertEqual(records.count { $0["push"] == .string(pushId) && $0["kind"] == .string("delivered") }, 1, pushId)
            }
            XCTAssertEqual(webhook.refused, 0)
        }
    }

    /// A push on the custom channel is cut to that channel's limit, not the built-in one's.
    func testTheWebhookPushIsCutToTheWebhookLimitNotTheBuiltInOne() async throws {
        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            let templates = try templatesWithCustomDelivery()
            try """
                name: full-text
                priority: 30
                match:
                  conversations: ["full-*"]
                policy:
                  builtin: false
                push:
                  alert: "{{message.fullText}}"
                """.write(to: templates.appendingPathComponent("full-text.yaml"), atomically: true, encoding: .utf8)
            var configuration = try configuration(webhook: url, templates: templates)
            configuration.maxPayloadBytes = 300
            configuration.delivery.webhookMaxPayloadBytes = 700
            try await withServer(configuration) { server in
                try await server.registerWebhookDevice("Jerry")
                let text = String(repeating: "0123456789", count: 200)
                _ = try await server.receiversOffline(
                    HookBody.receiversOffline(conversation: "full-1", to: ["Jerry"], content: HookBody.text(text)))
                let pushes = await webhook.pushes(1)
                let alert = try XCTUnwrap(pushes.first?.payload["alert"]?.stringValue)
                XCTAssertGreaterThan(alert.utf8.count, 300, "cut to the built-in push's limit")
                XCTAssertLessThan(alert.utf8.count, 700, "not cut to the webhook's limit")
                XCTAssertTrue(text.hasPrefix(alert.prefix(300)), alert)
            }
        }
    }

    /// 410 from the endpoint removes that device; the receiver's other device still gets the push.
    func testA410RemovesTheDevice() async throws {
        let webhook = WebhookStandIn(answer: { push in push.token == "Jerry-old-phone" ? .gone : .ok })
        try await webhook.serve { url, _ in
            try await withServer(try configuration(webhook: url, templates: templatesWithCustomDelivery())) { server in
                try await server.registerWebhookDevice("Jerry", token: "Jerry-old-phone")
                try await server.registerWebhookDevice("Jerry", token: "Jerry-new-phone")
                _ = try await server.receiversOffline(
                    HookBody.receiversOffline(conversation: "custom-1", to: ["Jerry"], content: HookBody.text("hi")))
                let hook = try await server.lastHookRecord()
                let pushId = try XCTUnwrap(hook["custom"]?[0]?["push"]?.stringValue)

                // Each job's events and its count in the queue are written one after the other.
                try await eventually("one job delivered, the other's device gone") {
                    let events = try await server.deliveryEvents(of: pushId).filter { $0 != "attempt" }
                    let stats = try await server.queueStats().counts(.webhook)
                    return events.sorted() == ["delivered", "deviceRemoved", "queued", "queued"]
                        && stats == QueueStats.Counts(delivered: 1, deviceGone: 1)
                }
                let records = try await server.deliveryRecords(of: pushId)
                let removed = try XCTUnwrap(records.first { $0["kind"] == .string("deviceRemoved") })
                XCTAssertEqual(removed["device"], .string("…" + String("Jerry-old-phone".suffix(8))))
                XCTAssertEqual(removed["receiver"], .string("Jerry"))
                XCTAssertNotNil(removed["reason"]?.stringValue)

                let devices = try await server.server.service.delivery.devices.devices(of: "Jerry")
                XCTAssertEqual(devices.map(\.token), ["Jerry-new-phone"])
            }
        }
    }

    /// A job's lease must outlast an attempt, so only the timeouts of providers that are
    /// on count: a short lease with a short webhook timeout is accepted without the platform.
    func testTheLeaseMustOutlastTheTimeoutsOfTheProvidersThatAreOn() throws {
        let webhook = [
            "PUSHCOMPOSE_WEBHOOK_URL": "http://127.0.0.1:9/push", "PUSHCOMPOSE_WEBHOOK_SECRET": "s",
            "PUSHCOMPOSE_WEBHOOK_TIMEOUT_SECONDS": "2", "PUSHCOMPOSE_DELIVERY_LEASE_SECONDS": "3",
        ]
        XCTAssertEqual(try ServerConfiguration.load(file: nil, environment: webhook).delivery.leaseSeconds, 3)
        let withPlatform = webhook.merging(["PUSHCOMPOSE_PLATFORM_SERVER": "http://127.0.0.1:9"]) { $1 }
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: withPlatform)) { error in
            XCTAssertTrue("\(error)".contains("deliveryLeaseSeconds (PUSHCOMPOSE_DELIVERY_LEASE_SECONDS)"), "\(error)")
        }
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: webhook.merging(["PUSHCOMPOSE_DELIVERY_LEASE_SECONDS": "2"]) { $1 }))
    }

    /// A hook's pushes are admitted into the queue beside its answer (`IntakeEnqueuer`),
    /// so their `queued` events may follow the hook's record; each still names the call
    /// and comes before its job's attempt.
    func testEachJobsQueuedEventComesBeforeItsAttempt() async throws {
        let webhook = WebhookStandIn()
        try await webhook.serve { url, _ in
            try await withServer(try configuration(webhook: url)) { server in
                let receivers = (0..<20).map { "r\($0)" }
                for receiver in receivers { try await server.registerWebhookDevice(receiver) }
                var calls: [String: String] = [:]
                for round in 0..<5 {
                    _ = try await server.receiversOffline(
                        HookBody.receiversOffline(to: receivers, content: HookBody.text("round \(round)"), mentioned: Array(receivers.prefix(5))))
                    await server.audit.written()
                    let records = try readAuditRecords(in: server.audit.directory)
                    let hook = try XCTUnwrap(records.last { $0["kind"] == .string("hook") })
                    let pushIds = try XCTUnwrap(hook["custom"]?.arrayValue).compactMap { $0["push"]?.stringValue }
                    XCTAssertEqual(pushIds.count, 5, "round \(round): the mentioned go through the webhook")
                    for pushId in pushIds { calls[pushId] = hook["call"]?.stringValue }
                }
                try await eventually("every push is delivered") {
                    let delivered = try await server.deliveryRecords().filter { $0["kind"] == .string("delivered") }
                    return Set(delivered.compactMap { $0["push"]?.stringValue }) == Set(calls.keys)
                }
                for (pushId, call) in calls {
                    let records = try await server.deliveryRecords(of: pushId)
                    XCTAssertEqual(records.compactMap { $0["kind"]?.stringValue }, ["queued", "attempt", "delivered"], pushId)
                    XCTAssertEqual(records.first?["call"], .string(call), pushId)
                }
            }
        }
    }

    /// Each slot may hold an HTTP connection: the configuration bounds them.
    func testDeliveryConcurrencyIsBounded() throws {
        XCTAssertEqual(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_DELIVERY_CONCURRENCY": "1024"]).delivery.concurrency, 1024)
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_DELIVERY_CONCURRENCY": "1025"])) { error in
            XCTAssertTrue("\(error)".contains("deliveryConcurrency (PUSHCOMPOSE_DELIVERY_CONCURRENCY) must be at most 1024"), "\(error)")
        }
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_DELIVERY_CONCURRENCY": "0"]))
    }

    /// APNs and FCM may keep more attempts in flight than the HTTP/1.1 providers; unset,
    /// they keep `deliveryConcurrency`.
    func testTheHTTP2ProvidersHaveConcurrenciesOfTheirOwn() throws {
        let environment = ["PUSHCOMPOSE_DELIVERY_CONCURRENCY": "32", "PUSHCOMPOSE_APNS_CONCURRENCY": "256"]
        let settings = try ServerConfiguration.load(file: nil, environment: environment).delivery.workerSettings
        XCTAssertEqual(settings.concurrency, 32)
        XCTAssertEqual(settings.concurrencyByProvider, [.apns: 256])
        let both = try ServerConfiguration.load(file: nil, environment: environment.merging(["PUSHCOMPOSE_FCM_CONCURRENCY": "64"]) { $1 })
        XCTAssertEqual(both.delivery.workerSettings.concurrencyByProvider, [.apns: 256, .fcm: 64])
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_FCM_CONCURRENCY": "1025"])) { error in
            XCTAssertTrue("\(error)".contains("fcmConcurrency (PUSHCOMPOSE_FCM_CONCURRENCY) must be at most 1024"), "\(error)")
        }
        XCTAssertThrowsError(try ServerConfiguration.load(file: nil, environment: ["PUSHCOMPOSE_APNS_CONCURRENCY": "0"]))
    }

    // MARK: - Set-up

    /// The shipped templates, the webhook provider on `url`, and retries within a second.
    private func configuration(webhook url: String, templates: URL? = nil) throws -> ServerConfiguration {
        var configuration = try makeConfiguration()
        if let templates { configuration.templates = templates.path }
        configuration.delivery.webhookURL = url
        configuration.delivery.webhookSecret = WebhookStandIn.secret
        configuration.delivery.retryBaseMillis = 20
        configuration.delivery.retryMaxDelaySeconds = 1
        configuration.delivery.retryMaxAttempts = 100
        return configuration
    }

    /// The shipped templates plus `custom`: conversations `custom-*` are sent by the
    /// service itself (`builtin: false`), with the default template's payload.
    private func templatesWithCustomDelivery() throws -> URL {
        let directory = try copyOfShippedTemplates()
        try """
            name: custom
            priority: 20
            match:
              conversations: ["custom-*"]
            policy:
              builtin: false
            """.write(to: directory.appendingPathComponent("custom.yaml"), atomically: true, encoding: .utf8)
        return directory
    }
}

extension TestServer {
    /// Registers a webhook device (token `<client>-phone` unless given), as the admin API would.
    func registerWebhookDevice(_ client: String, token: String? = nil, locale: String? = nil, at time: Date = Date()) async throws {
        let registration = DeviceRegistration(clientId: client, address: DeviceAddress(provider: .webhook, token: token ?? "\(client)-phone"), locale: locale)
        _ = try await server.service.delivery.devices.register(try registration.validated(), now: time)
    }

    func queueStats() async throws -> QueueStats {
        try await server.service.delivery.queue.stats(now: Date())
    }

    /// The last `_receiversOffline` decision in the audit log.
    func lastHookRecord() async throws -> JSON {
        let records = try await hookRecords()
        return try XCTUnwrap(records.last, "no _receiversOffline record")
    }

    static let deliveryKinds: Set = ["queued", "attempt", "delivered", "dead", "deviceRemoved", "leaseLost"]

    /// The audit log's delivery records, of one push when given.
    func deliveryRecords(of pushId: String? = nil) async throws -> [JSON] {
        try await auditRecords().filter { Self.deliveryKinds.contains($0["kind"]?.stringValue ?? "") && (pushId == nil || $0["push"] == .string(pushId!)) }
    }

    /// The events of a push's delivery records, in order.
    func deliveryEvents(of pushId: String) async throws -> [String] {
        try await deliveryRecords(of: pushId).compactMap { $0["kind"]?.stringValue }
    }
}

/// Checks `condition` until it holds, pausing briefly between checks (it depends on work
/// the server does after the event a test can await, such as recording an answer);
/// fails the test and throws when it has not held after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(30), file: StaticString = #filePath, line: UInt = #line,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            XCTFail("not within \(timeout): \(what)", file: file, line: line)
            throw StandInError(description: "timed out: \(what)")
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
