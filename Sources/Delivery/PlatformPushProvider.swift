import AsyncHTTPClient
import Foundation
import NIOHTTP1
import PushCompose

/// Delivers a push through the IM platform's own push REST API, so an app whose push
/// certificates are on the platform gets per-receiver payloads without giving this
/// service any push keys: `POST {server}/1.1/push` with `X-LC-Id` and
/// `X-LC-Key: <masterKey>,master`, body `{"data", "prod", "where"}`, `data` being the
/// payload with its numeric badge and the push id.
///
/// A 2xx answer must be a JSON object (what the platform answers); anything else is an
/// answer from something in between and is retried. Other statuses as `HTTPAnswer`.
public struct PlatformPushProvider: PushProvider {
    public struct Configuration: Sendable {
        /// The platform's API server, e.g. `https://abc.api.example.com`.
        public var server: String
        public var appId: String
        public var masterKey: String
        /// `prod: "prod"` (true) or `"dev"` (false): which APNs environment the platform uses.
        public var production: Bool
        public var whereTemplate: WhereTemplate
        public var timeout: Duration
        /// The channel's limit for the encoded `data` member. The platform wraps `data`
        /// for APNs (4096 bytes in all), so the default keeps room for that.
        public var maxPayloadBytes: Int

        public init(
            server: String, appId: String, masterKey: String, production: Bool = true,
            whereTemplate: WhereTemplate = .receiverClientId, timeout: Duration = .seconds(10), maxPayloadBytes: Int = 3800
        ) {
            self.server = server
            self.appId = appId
            self.masterKey = masterKey
            self.production = production
            self.whereTemplate = whereTemplate
            self.timeout = timeout
            self.maxPayloadBytes = maxPayloadBytes
        }

        public func validated() throws(ProviderConfigurationError) -> Configuration {
            guard let components = URLComponents(string: server), ["http", "https"].contains(components.scheme?.lowercased()), components.host?.isEmpty == false else {
                throw ProviderConfigurationError(setting: "platformServer", reason: "must be an http or https URL")
            }
            guard !appId.isEmpty else { throw ProviderConfigurationError(setting: "appId", reason: "must be set") }
            guard !masterKey.isEmpty else { throw ProviderConfigurationError(setting: "masterKey", reason: "must be set") }
            guard timeout > .zero else { throw ProviderConfigurationError(setting: "platformTimeoutSeconds", reason: "must be positive") }
            let reserve = ChannelPayload.badgeReserve + ChannelPayload.pushIdReserve
            guard maxPayloadBytes > reserve else {
                throw ProviderConfigurationError(setting: "platformMaxPayloadBytes", reason: "must be more than \(reserve)")
            }
            return self
        }

        var pushURL: String {
            (server.hasSuffix("/") ? String(server.dropLast()) : server) + "/1.1/push"
        }
    }

    public let kind = ProviderKind.platform
    public let configuration: Configuration
    private let sender: HTTPSender

    public init(configuration: Configuration, client: HTTPClient, clock: any DeliveryClock = SystemDeliveryClock()) throws(ProviderConfigurationError) {
        self.configuration = try configuration.validated()
        sender = HTTPSender(client: client, timeout: configuration.timeout, clock: clock)
    }

    public var payloadBudget: Int { configuration.maxPayloadBytes - ChannelPayload.badgeReserve - ChannelPayload.pushIdReserve }

    public func send(_ job: PushJob) async -> DeliveryOutcome {
        let body = body(of: job)
        var headers = HTTPHeaders()
        headers.add(name: "X-LC-Id", value: configuration.appId)
        headers.add(name: "X-LC-Key", value: "\(configuration.masterKey),master")
        return await sender.post(url: configuration.pushURL, headers: headers, body: Array(JSONEncoding.string(body).utf8)) { answer in
            guard case .object = try? JSONParser.parse(answer.body) else {
                return .retry(status: answer.status, reason: "malformed answer: \(answer.reason)", retryAfter: nil)
            }
            return .delivered(status: answer.status)
        }
    }

    public func preview(_ job: PushJob) -> JSONValue {
        .object([("url", .string(configuration.pushURL)), ("body", body(of: job))])
    }

    private func body(of job: PushJob) -> JSONValue {
        .object([
            ("data", ChannelPayload.make(job, includePushId: true)),
            ("prod", .string(configuration.production ? "prod" : "dev")),
            ("where", configuration.whereTemplate.render(receiver: job.receiver, token: job.device.token)),
        ])
    }
}
