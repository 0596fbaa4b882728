import AsyncHTTPClient
import Foundation
import NIOHTTP1
import NIOSSL
import PushCompose

/// Delivers a push to an iOS device through APNs' provider API over HTTP/2, with token
/// authentication: one ES256 JWT, renewed before it is `tokenRenewal` old (APNs accepts
/// a token for an hour), shared by every request. A device's environment picks the
/// endpoint; each endpoint has its own pooled, multiplexed connections.
///
/// Answers are read by `APNsAnswer`. An `ExpiredProviderToken` answer renews the token
/// and sends once more; a connection lost under a request (dropped, GOAWAY) sends it
/// again at once (`maxResends`); other failures go back to the queue.
public struct APNsProvider: PushProvider {
    public struct Configuration: Sendable {
        public var credentials: APNsCredentials
        /// The app's bundle id, for devices registered without a topic of their own.
        public var topic: String?
        /// The environments devices may use; a device of another dead-letters.
        public var environments: Set<APNsEnvironment>
        public var productionURL: String
        public var sandboxURL: String
        public var timeout: Duration
        /// Certificate authorities to trust instead of the system's (a local stand-in).
        public var trustRootsPEM: String?
        /// A token older than this is renewed before it is used.
        public var tokenRenewal: Duration

        public static let defaultProductionURL = "https://api.push.apple.com"
        public static let defaultSandboxURL = "https://api.sandbox.push.apple.com"

        public init(
            credentials: APNsCredentials, topic: String? = nil, environments: Set<APNsEnvironment> = Set(APNsEnvironment.allCases),
            productionURL: String = defaultProductionURL, sandboxURL: String = defaultSandboxURL, timeout: Duration = .seconds(10),
            trustRootsPEM: String? = nil, tokenRenewal: Duration = .seconds(45 * 60)
        ) {
            self.credentials = credentials
            self.topic = topic
            self.environments = environments
            self.productionURL = productionURL
            self.sandboxURL = sandboxURL
            self.timeout = timeout
            self.trustRootsPEM = trustRootsPEM
            self.tokenRenewal = tokenRenewal
        }

        public func validated() throws(ProviderConfigurationError) -> Configuration {
            for (setting, url) in [("apnsProductionURL", productionURL), ("apnsSandboxURL", sandboxURL)] {
                guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https", components.host?.isEmpty == false else {
                    throw ProviderConfigurationError(setting: setting, reason: "must be an https URL (APNs speaks HTTP/2 over TLS only)")
                }
            }
            if let topic, topic.isEmpty { throw ProviderConfigurationError(setting: "apnsTopic", reason: "must not be empty when set") }
            guard !environments.isEmpty else { throw ProviderConfigurationError(setting: "apnsEnvironments", reason: "must name production, sandbox or both") }
            guard timeout > .zero else { throw ProviderConfigurationError(setting: "apnsTimeoutSeconds", reason: "must be positive") }
            guard tokenRenewal > .zero, tokenRenewal <= .seconds(50 * 60) else {
                throw ProviderConfigurationError(setting: "apnsTokenRenewal", reason: "must be positive and at most 50 minutes")
            }
            _ = try trustRoots()
            return self
        }

        /// The certificates of `trustRootsPEM`; nil: the system's.
        func trustRoots() throws(ProviderConfigurationError) -> [NIOSSLCertificate]? {
            guard let trustRootsPEM else { return nil }
            guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(trustRootsPEM.utf8)), !certificates.isEmpty else {
                throw ProviderConfigurationError(setting: "apnsCACertificateFile", reason: "holds no PEM certificate")
            }
            return certificates
        }

        func baseURL(_ environment: APNsEnvironment) -> String {
            let url = environment == .production ? productionURL : sandboxURL
            return url.hasSuffix("/") ? String(url.dropLast()) : url
        }
    }

    public let kind = ProviderKind.apns
    public let configuration: Configuration
    private let sender: HTTPSender
    private let clock: any DeliveryClock
    private let token: BearerTokenCache
    /// How long APNs may keep trying a device: as long as the queue would (`maxAge`).
    private let storeFor: Duration

    /// - Parameter storeFor: how long after the push was queued APNs may still deliver
    ///   it to a device that is off (`apns-expiration`): the queue's maximum age.
    public init(configuration: Configuration, client: HTTPClient, storeFor: Duration, clock: any DeliveryClock = SystemDeliveryClock()) throws(ProviderConfigurationError) {
        let configuration = try configuration.validated()
        self.configuration = configuration
        self.clock = clock
        self.storeFor = storeFor
        var sender = HTTPSender(client: client, timeout: configuration.timeout, clock: clock)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.applicationProtocols = ["h2"]
        if let certificates = try configuration.trustRoots() { tls.trustRoots = .certificates(certificates) }
        sender.tls = tls
        self.sender = sender
        let credentials = configuration.credentials
        let renewal = configuration.tokenRenewal
        token = BearerTokenCache(clock: clock) {
            let now = clock.now()
            return BearerTokenCache.Token(value: try await credentials.sign(now: now), renewAt: now.addingTimeInterval(renewal.seconds))
        }
    }

    /// APNs' 4096 bytes less what the provider adds around the rendered payload: the
    /// `aps` wrapper, the badge number, the push id and the thread id (the conversation).
    public var payloadBudget: Int {
        APNsRequest.maxPayloadBytes - ChannelPayload.badgeReserve - ChannelPayload.pushIdReserve - Self.wrapperReserve
    }

    /// `{"aps":{…}}`, `"alert":{"title":…,"body":…}` for `"alert":…,"title":…`, and
    /// `,"thread-id":"…"` with a conversation id of the longest kind, escaped.
    static let wrapperReserve = 64 + 2 * 256

    /// Sends at once after a lost connection: the pool may hand the first resend to the
    /// closed connection before it has noticed the close, so one is not always enough.
    static let maxResends = 2

    /// The request for `job` and where it goes, or why it cannot be sent.
    private func prepare(_ job: PushJob) -> Result<(url: String, request: APNsRequest), Refusal> {
        let environment = job.device.apnsEnvironment ?? .production
        guard configuration.environments.contains(environment) else {
            return .failure(Refusal(reason: "APNs environment \(environment.rawValue) is not enabled (apnsEnvironments)"))
        }
        guard let topic = job.device.topic ?? configuration.topic else {
            return .failure(Refusal(reason: "no APNs topic: set apnsTopic or register the device with its topic"))
        }
        let request = APNsRequest(job: job, topic: topic, expiresAt: job.queuedAt.addingTimeInterval(storeFor.seconds))
        guard request.body.count <= APNsRequest.maxPayloadBytes else {
            return .failure(Refusal(reason: "payload is \(request.body.count) bytes, over APNs' \(APNsRequest.maxPayloadBytes)"))
        }
        return .success((configuration.baseURL(environment) + request.path, request))
    }

    /// Why a push cannot be sent at all: it is dead-lettered with this reason.
    private struct Refusal: Error {
        var reason: String
    }

    public func preview(_ job: PushJob) -> JSONValue {
        switch prepare(job) {
        case .failure(let refusal):
            return .object([("error", .string(refusal.reason))])
        case .success(let (url, request)):
            return .object([
                ("url", .string(url)),
                ("headers", .object(request.headers.map { (key: $0.name, value: JSONValue.string($0.value)) })),
                ("body", (try? JSONParser.parse(request.body)) ?? .null),
            ])
        }
    }

    public func send(_ job: PushJob) async -> DeliveryOutcome {
        let url: String
        let request: APNsRequest
        switch prepare(job) {
        case .failure(let refusal): return .failedPermanently(status: nil, reason: refusal.reason)
        case .success(let prepared): (url, request) = prepared
        }
        var renewed = false
        var resends = 0
        while true {
            let bearer: String
            do {
                bearer = try await token.token()
            } catch {
                return .retry(status: nil, reason: HTTPAnswer.bounded("could not sign an APNs provider token: \(error)"), retryAfter: nil)
            }
            var headers = HTTPHeaders(request.headers)
            headers.add(name: "authorization", value: "bearer " + bearer)
            switch await sender.exchange(url: url, headers: headers, body: request.body) {
            case .answered(let answer):
                switch APNsAnswer.read(answer, now: clock.now()) {
                case .outcome(let outcome):
                    return outcome
                case .tokenExpired where !renewed:
                    renewed = true
                    token.refuse(bearer)
                case .tokenExpired:
                    return .retry(status: answer.status, reason: "APNs 403 ExpiredProviderToken, also for a new token", retryAfter: nil)
                }
            case .failed(let outcome, let connectionLost):
                guard connectionLost, resends < Self.maxResends else { return outcome }
                resends += 1
            }
        }
    }
}
