import AsyncHTTPClient
import Foundation
import NIOHTTP1
import PushCompose

/// Delivers a push to an Android (or FCM-registered iOS) device through FCM's HTTP v1
/// API: `POST {base}/v1/projects/{project}/messages:send` with an OAuth 2 access token
/// that the service account's signed assertion is exchanged for, kept until shortly
/// before it expires and shared by every request. A 401 renews it and sends once more.
/// Answers are read by `FCMAnswer`.
public struct FCMProvider: PushProvider {
    public struct Configuration: Sendable {
        public var serviceAccount: FCMServiceAccount
        public var baseURL: String
        public var timeout: Duration

        public static let defaultBaseURL = "https://fcm.googleapis.com"

        public init(serviceAccount: FCMServiceAccount, baseURL: String = defaultBaseURL, timeout: Duration = .seconds(10)) {
            self.serviceAccount = serviceAccount
            self.baseURL = baseURL
            self.timeout = timeout
        }

        public func validated() throws(ProviderConfigurationError) -> Configuration {
            guard let components = URLComponents(string: baseURL), ["http", "https"].contains(components.scheme?.lowercased()), components.host?.isEmpty == false else {
                throw ProviderConfigurationError(setting: "fcmBaseURL", reason: "must be an http or https URL")
            }
            guard timeout > .zero else { throw ProviderConfigurationError(setting: "fcmTimeoutSeconds", reason: "must be positive") }
            return self
        }

        var sendURL: String {
            let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            let project = serviceAccount.projectId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? serviceAccount.projectId
            return base + "/v1/projects/" + project + "/messages:send"
        }
    }

    public let kind = ProviderKind.fcm
    public let configuration: Configuration
    private let sender: HTTPSender
    private let clock: any DeliveryClock
    private let token: BearerTokenCache
    private let sendURL: String

    /// An access token is renewed this long before FCM said it expires.
    static let renewalMargin: TimeInterval = 300

    public init(configuration: Configuration, client: HTTPClient, clock: any DeliveryClock = SystemDeliveryClock()) throws(ProviderConfigurationError) {
        let configuration = try configuration.validated()
        self.configuration = configuration
        self.clock = clock
        sendURL = configuration.sendURL
        let sender = HTTPSender(client: client, timeout: configuration.timeout, clock: clock)
        self.sender = sender
        let account = configuration.serviceAccount
        token = BearerTokenCache(clock: clock) { try await Self.exchange(account, sender: sender, clock: clock) }
    }

    /// FCM's 4096 bytes less what the message adds around the rendered payload: the
    /// token, the conversation, the badge number and push id, and the `android` and
    /// `apns` blocks, which repeat the title and body (so half the rest is the budget).
    public var payloadBudget: Int {
        (FCMMessage.maxMessageBytes - ChannelPayload.badgeReserve - ChannelPayload.pushIdReserve - Self.wrapperReserve) / 2
    }

    /// The `message` wrapper and blocks, a token of the longest kind, a conversation id
    /// of the longest kind escaped.
    static let wrapperReserve = 400 + 2 * 256 + 256

    public func send(_ job: PushJob) async -> DeliveryOutcome {
        let message = FCMMessage(job: job)
        guard message.body.count <= FCMMessage.maxMessageBytes else {
            return .failedPermanently(status: nil, reason: "message is \(message.body.count) bytes, over FCM's \(FCMMessage.maxMessageBytes)")
        }
        var renewed = false
        while true {
            let bearer: String
            do {
                bearer = try await token.token()
            } catch let failure as AccessTokenFailure {
                return failure.outcome
            } catch {
                return .retry(status: nil, reason: HTTPAnswer.bounded("FCM access token: \(error)"), retryAfter: nil)
            }
            var headers = HTTPHeaders()
            headers.add(name: "Authorization", value: "Bearer " + bearer)
            switch await sender.exchange(url: sendURL, headers: headers, body: message.body) {
            case .answered(let answer):
                switch FCMAnswer.read(answer, now: clock.now()) {
                case .outcome(let outcome):
                    return outcome
                case .tokenRefused where !renewed:
                    renewed = true
                    token.refuse(bearer)
                case .tokenRefused:
                    return .retry(status: answer.status, reason: "FCM 401 UNAUTHENTICATED, also with a new access token", retryAfter: nil)
                }
            case .failed(let outcome, _):
                return outcome
            }
        }
    }

    public func preview(_ job: PushJob) -> JSONValue {
        let message = FCMMessage(job: job)
        guard message.body.count <= FCMMessage.maxMessageBytes else {
            return .object([("error", .string("message is \(message.body.count) bytes, over FCM's \(FCMMessage.maxMessageBytes)"))])
        }
        return .object([("url", .string(sendURL)), ("body", (try? JSONParser.parse(message.body)) ?? .null)])
    }

    /// The token endpoint's refusal or failure, as the push's outcome.
    struct AccessTokenFailure: Error {
        var outcome: DeliveryOutcome
    }

    /// Exchanges a new assertion for an access token (RFC 7523's JWT bearer grant).
    static func exchange(_ account: FCMServiceAccount, sender: HTTPSender, clock: any DeliveryClock) async throws -> BearerTokenCache.Token {
        let now = clock.now()
        let assertion = try await account.assertion(now: now)
        let form = "grant_type=" + "urn:ietf:params:oauth:grant-type:jwt-bearer".formEncoded + "&assertion=" + assertion.formEncoded
        switch await sender.exchange(url: account.tokenURI, headers: HTTPHeaders(), body: Array(form.utf8), contentType: "application/x-www-form-urlencoded") {
        case .failed(let outcome, _):
            throw AccessTokenFailure(outcome: outcome)
        case .answered(let answer):
            guard (200..<300).contains(answer.status) else {
                let reason = "FCM access token refused: \(answer.reason)"
                // A refused assertion (a revoked key, a wrong clock) will not get better by itself soon.
                let outcome: DeliveryOutcome = answer.status == 429 || answer.status >= 500
                    ? .retry(status: answer.status, reason: reason, retryAfter: answer.retryAfter.flatMap { HTTPAnswer.retryDelay($0, now: now) })
                    : .retry(status: answer.status, reason: reason, retryAfter: .seconds(60))
                throw AccessTokenFailure(outcome: outcome)
            }
            guard let json = try? JSONParser.parse(answer.body), let value = json["access_token"]?.stringValue, !value.isEmpty,
                case .number(let lifetime) = json["expires_in"], lifetime > 0
            else {
                throw AccessTokenFailure(outcome: .retry(status: answer.status, reason: "FCM token endpoint answered without an access token", retryAfter: nil))
            }
            let margin = min(renewalMargin, lifetime / 2)
            return BearerTokenCache.Token(value: value, renewAt: now.addingTimeInterval(lifetime - margin))
        }
    }
}

extension String {
    /// As a value in an `application/x-www-form-urlencoded` body.
    fileprivate var formEncoded: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? self
    }
}
