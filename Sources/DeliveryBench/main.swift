// `pushcompose-delivery-bench`: the custom channel's measurements for bench/delivery.
//
//   pushcompose-delivery-bench webhook PORT
//       a webhook endpoint that accepts every push at once (POST /push) and counts
//       them (GET /count → {"received": N, "unique": M}).
//   pushcompose-delivery-bench ceiling DIR|URL PUSHES
//       the queue's own ceiling on SQLite in DIR, or on PostgreSQL at URL
//       (postgres://…): 16 producers enqueue PUSHES pushes in hook-sized batches of 50
//       as the server does (SQLite: through the intake) while the workers claim
//       and finish them with a provider that answers at once; prints one JSON line.
//   pushcompose-delivery-bench fill DIR JOBS
//       queues JOBS webhook jobs in DIR (batches of 1,000), to measure a server's
//       memory with a large queue.
//   pushcompose-delivery-bench devices DIR|URL COUNT [webhook|apns]
//       registers a device for each of user-0 … user-(COUNT−1) in DIR (or the database at URL).
//   pushcompose-delivery-bench postgres DIR
//       a throw-away PostgreSQL cluster (fsync on) on a free port, its files in a new
//       directory under DIR: prints its URL (database `pushcompose`) and runs until
//       stopped (SIGTERM or SIGINT), then removes it.
//   pushcompose-delivery-bench apns DIR COUNT_PORT
//       the APNs stand-in (TLS + HTTP/2, every provider token verified) on a free
//       port; writes DIR/apns.json (its port, key id, team id, topic), the signing key
//       DIR/AuthKey.p8 and the CA DIR/ca.pem; GET http://127.0.0.1:COUNT_PORT/count →
//       {"requests", "ok", "connections", "providerTokens"}.
//   pushcompose-delivery-bench stand-ins DIR PORT
//       the APNs and FCM stand-ins, to try the providers by hand: writes their keys,
//       CA and service account to DIR and DIR/stand-ins.yaml, a configuration file for
//       `pushcompose serve --config`; GET http://127.0.0.1:PORT/apns and /fcm list
//       what each received (device token, headers, payload, problems found);
//       POST /apns/dead/TOKEN and /fcm/dead/TOKEN make the next push to TOKEN find it dead.
//   pushcompose-delivery-bench experiments DIR|URL [RECEIVERS [api|sql]]
//       the experiment report over RECEIVERS × 10 exposures (see ExperimentsBench).
//   pushcompose-delivery-bench jwt COUNT
//       signs COUNT APNs provider tokens; prints the time of one.
import Crypto
import _CryptoExtras
import Delivery
import Foundation
import Hummingbird
import Logging
import PostgresCluster
import PostgresStorage
import ProviderStandIns
import PushCompose
import SQLiteStorage
import ServiceLifecycle
import UnixSignals
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: pushcompose-delivery-bench webhook PORT | ceiling DIR|URL PUSHES | fill DIR JOBS | devices DIR|URL COUNT [webhook|apns] | postgres DIR | apns DIR COUNT_PORT | experiments DIR|URL [RECEIVERS [api|sql]] | jwt COUNT\n".utf8))
    exit(2)
}

/// The queue, its intake where the driver has one (as the server uses them), and the
/// device store, in a directory (SQLite) or at a `postgres://` URL.
func openStorage(_ target: String) async throws -> (queue: any DeliveryQueue, intake: (any PushIntake)?, devices: any DeviceStore) {
    guard target.hasPrefix("postgres") else {
        let database = try SQLiteDeliveryDatabase(directory: URL(fileURLWithPath: target))
        let queue = SQLiteDeliveryQueue(database: database)
        return (queue, queue, SQLiteDeviceStore(database: database))
    }
    let database = try await PostgresDatabase.open(url: try PostgresURL(target), maxConnections: 16, logger: Logger(label: "bench"))
    return (PostgresDeliveryQueue(database: database, instanceId: "bench"), nil, PostgresDeviceStore(database: database, instanceId: "bench"))
}

/// A provider that accepts every push at once: what is left is the queue's own cost.
struct InstantProvider: PushProvider {
    let kind = ProviderKind.webhook
    let payloadBudget = 4096
    func send(_ job: PushJob) async -> DeliveryOutcome { .delivered(status: 200) }
}

struct NoEvents: DeliveryEventSink {
    func record(_ events: [DeliveryEvent]) async {}
    func submit(_ events: [DeliveryEvent]) {}
}

let payload = JSONValue.object([
    (key: "alert", value: .string("Tom mentioned you: are we still on for lunch today?")),
    (key: "sound", value: .string("default")),
    (key: "badge", value: .string("Increment")),
])

func pushes(call: Int, count: Int) -> [NewPush] {
    (0..<count).map { index in
        NewPush(
            pushId: PushIdentifier.random(), hookCallId: "call-\(call)", receiver: "receiver-\(index)", conversation: "conv-\(call % 100)",
            template: "default", payload: payload, incrementsBadge: true,
            devices: [DeviceAddress(provider: .webhook, token: "token-\(index)", platform: "ios")])
    }
}

enum StandInJSON {
    /// A request's headers as JSON, the provider token left out.
    static func headers(_ headers: [String: String]) -> JSONValue {
        .object(headers.sorted { $0.key < $1.key }.filter { $0.key != "authorization" }.map { (key: $0.key, value: .string($0.value)) })
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

switch arguments[1] {
case "webhook":
    let received = Mutex((count: 0, unique: Set<String>()))
    let router = Router()
    router.post("/push") { request, _ -> HTTPResponse.Status in
        let body = try await request.body.collect(upTo: 1 << 20)
        if case .object(let members) = try JSONParser.parse(body.readableBytesView),
           case .string(let pushId)? = members.first(where: { $0.key == "pushId" })?.value
        {
            received.withLock { state in
                state.count += 1
                state.unique.insert(pushId)
            }
        }
        return .ok
    }
    router.get("/count") { _, _ -> String in
        let (count, unique) = received.withLock { ($0.count, $0.unique.count) }
        return #"{"received":\#(count),"unique":\#(unique)}"#
    }
    var logger = Logger(label: "webhook")
    logger.logLevel = .error
    let application = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: Int(arguments[2])!)), logger: logger)
    try await application.runService()

case "ceiling":
    let total = Int(arguments[3])!
    let callSize = 50
    let (queue, intake, devices) = try await openStorage(arguments[2])
    let signal = WorkSignal()
    var logger = Logger(label: "ceiling")
    logger.logLevel = .error
    let enqueuer = HookEnqueuer(queue: queue, intake: intake, clock: SystemDeliveryClock(), signal: signal, events: NoEvents(), logger: logger)
    let workers = DeliveryWorkers(
        providers: [InstantProvider()], queue: queue, devices: devices, settings: WorkerSettings(concurrency: 64, idlePoll: .milliseconds(100)),
        signal: signal, events: NoEvents(), logger: logger)
    let services: [any Service] = [workers] + (enqueuer.admission.map { [$0] } ?? [])
    let group = ServiceGroup(services: services, gracefulShutdownSignals: [], logger: logger)
    let start = ContinuousClock.now
    let enqueueSeconds = try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let calls = total / callSize
        let producers = 16
        let enqueued = try await withThrowingTaskGroup(of: Void.self) { producersGroup in
            for producer in 0..<producers {
                producersGroup.addTask {
                    var call = producer
                    while call < calls {
                        try await enqueuer.enqueue(pushes(call: call, count: callSize))
                        call += producers
                    }
                }
            }
            try await producersGroup.waitForAll()
            return seconds(since: start)
        }
        while try await queue.stats(now: Date()).byProvider[.webhook]?.delivered ?? 0 < calls * callSize {
            try await Task.sleep(for: .milliseconds(250))
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return enqueued
    }
    let allSeconds = seconds(since: start)
    let pushesDone = total / callSize * callSize
    print(#"{"pushes":\#(pushesDone),"enqueueSeconds":\#(enqueueSeconds),"enqueuePerSecond":\#(Double(pushesDone) / enqueueSeconds),"endToEndSeconds":\#(allSeconds),"deliveredPerSecond":\#(Double(pushesDone) / allSeconds)}"#)

case "fill":
    let total = Int(arguments[3])!
    let database = try SQLiteDeliveryDatabase(directory: URL(fileURLWithPath: arguments[2]), durability: .normal)
    let queue = SQLiteDeliveryQueue(database: database)
    var call = 0
    while call * 1000 < total {
        _ = try await queue.enqueue(pushes(call: call, count: min(1000, total - call * 1000)), now: Date())
        call += 1
    }
    print(#"{"jobs":\#(total)}"#)

case "devices":
    let count = Int(arguments[3])!
    let provider = arguments.count > 4 ? ProviderKind(rawValue: arguments[4])! : .webhook
    let store = try await openStorage(arguments[2]).devices
    for index in 0..<count {
        let address = provider == .apns
            ? DeviceAddress(provider: .apns, token: SHA256.hash(data: Data("user-\(index)".utf8)).map { String(format: "%02x", $0) }.joined(), platform: "ios")
            : DeviceAddress(provider: provider, token: "bench-token-\(index)", platform: "ios")
        _ = try await store.register(try DeviceRegistration(clientId: "user-\(index)", address: address).validated(), now: Date())
    }
    print(#"{"devices":\#(count)}"#)

case "apns":
    let directory = URL(fileURLWithPath: arguments[2])
    let authority = try TestCertificateAuthority.make()
    let key = P256.Signing.PrivateKey()
    let (keyId, teamId, topic) = ("BENCHKEY01", "BENCHTEAM1", "com.example.bench")
    // One event loop: the server under test needs the other core.
    let standIn = try await APNsStandIn.start(authority: authority, keyId: keyId, teamId: teamId, publicKey: key.publicKey, topic: topic, recording: false, threads: 1)
    try key.pemRepresentation.write(to: directory.appendingPathComponent("AuthKey.p8"), atomically: true, encoding: .utf8)
    try authority.rootPEM.write(to: directory.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
    try #"{"port":\#(standIn.port),"keyId":"\#(keyId)","teamId":"\#(teamId)","topic":"\#(topic)"}"#
        .write(to: directory.appendingPathComponent("apns.json"), atomically: true, encoding: .utf8)
    let router = Router()
    router.get("/count") { _, _ -> String in
        #"{"requests":\#(standIn.requestCount),"ok":\#(standIn.answeredOK),"connections":\#(standIn.connectionsAccepted),"providerTokens":\#(standIn.providerTokensSeen)}"#
    }
    var logger = Logger(label: "apns-count")
    logger.logLevel = .error
    let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: Int(arguments[3])!)), logger: logger)
    try await application.runService()

case "stand-ins":
    let directory = URL(fileURLWithPath: arguments[2])
    let authority = try TestCertificateAuthority.make()
    let apnsKey = P256.Signing.PrivateKey()
    let fcmKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    let (keyId, teamId, topic, project) = ("STANDIN001", "STANDINTEAM", "com.example.chat", "stand-in-project")
    let apns = try await APNsStandIn.start(authority: authority, keyId: keyId, teamId: teamId, publicKey: apnsKey.publicKey, topic: topic)
    let fcm = try await FCMStandIn.start(projectId: project, clientEmail: "pushcompose@\(project).iam.gserviceaccount.com", publicKey: fcmKey.publicKey)
    func write(_ text: String, _ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
    let configuration = """
        # APNs and FCM pointed at the local stand-ins (pushcompose-delivery-bench stand-ins).
        apnsKeyFile: \(try write(apnsKey.pemRepresentation, "AuthKey_\(keyId).p8"))
        apnsKeyId: \(keyId)
        apnsTeamId: \(teamId)
        apnsTopic: \(topic)
        apnsProductionURL: \(apns.baseURL)
        apnsSandboxURL: \(apns.baseURL)
        apnsCACertificateFile: \(try write(authority.rootPEM, "stand-in-ca.pem"))
        fcmServiceAccountFile: \(try write(fcm.serviceAccountJSON(privateKeyPEM: fcmKey.pkcs8PEMRepresentation), "service-account.json"))
        fcmBaseURL: \(fcm.baseURL)

        """
    let configurationPath = try write(configuration, "stand-ins.yaml")
    let router = Router()
    router.get("/apns") { _, _ -> String in
        JSONEncoding.string(.array(apns.received.map { request in
            .object([
                (key: "deviceToken", value: .string(request.deviceToken)), (key: "headers", value: StandInJSON.headers(request.headers)),
                (key: "payload", value: request.json ?? .null), (key: "problems", value: .array(request.problems.map { .string($0) })),
            ])
        }))
    }
    router.get("/fcm") { _, _ -> String in
        JSONEncoding.string(.array(fcm.received.map { request in
            .object([(key: "body", value: request.json ?? .null), (key: "problems", value: .array(request.problems.map { .string($0) }))])
        }))
    }
    var logger = Logger(label: "stand-ins")
    logger.logLevel = .error
    // Written at once, also when the output goes to a file.
    FileHandle.standardOutput.write(Data("""
        APNs stand-in on \(apns.baseURL), FCM stand-in on \(fcm.baseURL)
        pushcompose serve --config \(configurationPath)
        received: curl -s http://127.0.0.1:\(arguments[3])/apns, /fcm

        """.utf8))
    // A token APNs or FCM will call dead once (410 Unregistered / UNREGISTERED).
    router.post("/apns/dead/:token") { _, context -> HTTPResponse.Status in
        apns.script(token: try context.parameters.require("token"), [.error(status: 410, reason: "Unregistered")])
        return .noContent
    }
    router.post("/fcm/dead/:token") { _, context -> HTTPResponse.Status in
        fcm.script(token: try context.parameters.require("token"), [.error(status: 404, grpcStatus: "NOT_FOUND", fcmErrorCode: "UNREGISTERED")])
        return .noContent
    }
    let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: Int(arguments[3])!)), logger: logger)
    try await application.runService()

case "postgres":
    let cluster = try PostgresCluster(durable: true, parent: URL(fileURLWithPath: arguments[2]))
    let url = try cluster.createDatabase("pushcompose")
    // Written at once: a script reads the line while the cluster runs.
    FileHandle.standardOutput.write(Data((url + "\n").utf8))
    for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) { break }
    cluster.stop()

case "experiments":
    try await ExperimentsBench.run(
        arguments[2], receivers: arguments.count > 3 ? Int(arguments[3])! : 1_000_000,
        fill: arguments.count > 4 ? ExperimentsBench.Fill(rawValue: arguments[4])! : .sql)

case "jwt":
    let count = Int(arguments[2])!
    let credentials = try APNsCredentials(keyId: "BENCHKEY01", teamId: "BENCHTEAM1", privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation)
    _ = try await credentials.sign(now: Date())
    let start = ContinuousClock.now
    for _ in 0..<count { _ = try await credentials.sign(now: Date()) }
    print(#"{"signatures":\#(count),"microsecondsEach":\#(seconds(since: start) / Double(count) * 1e6)}"#)

default:
    FileHandle.standardError.write(Data("unknown command \(arguments[1])\n".utf8))
    exit(2)
}
