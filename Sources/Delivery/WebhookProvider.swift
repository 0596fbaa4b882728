import AsyncHTTPClient
import Foundation
import NIOHTTP1
import PushCompose

/// Delivers a push as a signed JSON POST to the app's endpoint:
///
///     {"pushId", "hookCallId", "receiver", "conversation", "template",
///      "device": {"token", "platform"}, "attempt", "payload": {… "badge": 3}}
///
/// with `X-PushCompose-Timestamp` (Unix seconds) and `X-PushCompose-Signature`
/// (`WebhookSignature`). 2xx delivered; 410 removes the device; 408, 429, 5xx,
/// connection errors and timeouts retry; other statuses dead-letter with the answer.
public struct WebhookProvider: PushProvider {
    public struct Configuration: Sendable {
        public var url: String
        public var secret: String
        public var timeout: Duration
        /// The channel's limit for the encoded `payload` member.
        public var maxPayloadBytes: Int

        public init(url: String, secret: String, timeout: Duration = .seconds(10), maxPayloadBytes: Int = 4096) {
            self.url = url
            self.secret = secret
            self.timeout = timeout
            self.maxPayloadBytes = maxPayloadBytes
        }

        /// Refuses a configuration that cannot work, naming the setting.
        public func validated() throws(ProviderConfigurationError) -> Configuration {
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased()), components.host?.isEmpty == false else {
                throw ProviderConfigurationError(setting: "webhookURL", reason: "must be an http or https URL")
            }
            guard !secret.isEmpty else { throw ProviderConfigurationError(setting: "webhookSecret", reason: "must be set") }
            guard timeout > .zero else { throw ProviderConfigurationError(setting: "webhookTimeoutSeconds", reason: "must be positive") }
            guard maxPayloadBytes > ChannelPayload.badgeReserve else {
                throw ProviderConfigurationError(setting: "webhookMaxPayloadBytes", reason: "must be more than \(ChannelPayload.badgeReserve)")
            }
            return self
        }
    }

    public let kind = ProviderKind.webhook
    public let configuration: Configuration
    private let sender: HTTPSender
    private let signature: WebhookSignature
    private let clock: any DeliveryClock

    public init(configuration: Configuration, client: HTTPClient, clock: any DeliveryClock = SystemDeliveryClock()) throws(ProviderConfigurationError) {
        self.configuration = try configuration.validated()
        self.clock = clock
        sender = HTTPSender(client: client, timeout: configuration.timeout, clock: clock)
        signature = WebhookSignature(secret: configuration.secret)
    }

    public var payloadBudget: Int { configuration.maxPayloadBytes - ChannelPayload.badgeReserve }

    public func send(_ job: PushJob) async -> DeliveryOutcome {
        let body = Array(JSONEncoding.string(Self.body(of: job)).utf8)
        let timestamp = String(Int64(clock.now().timeIntervalSince1970))
        var headers = HTTPHeaders()
        headers.add(name: WebhookSignature.timestampHeader, value: timestamp)
        headers.add(name: WebhookSignature.signatureHeader, value: signature.sign(timestamp: timestamp, body: body))
        return await sender.post(url: configuration.url, headers: headers, body: body)
    }

    /// The URL without its user, password and query, which may carry a credential.
    public func preview(_ job: PushJob) -> JSONValue {
        var shown = URLComponents(string: configuration.url)
        shown?.user = nil
        shown?.password = nil
        shown?.query = nil
        return .object([("url", .string(shown?.string ?? "")), ("body", Self.body(of: job))])
    }

    static func body(of job: PushJob) -> JSONValue {
        var device: [(key: String, value: JSONValue)] = [("token", .string(job.device.token))]
        if let platform = job.device.platform { device.append(("platform", .string(platform))) }
        return .object([
            ("pushId", .string(job.pushId)),
            ("hookCallId", .string(job.hookCallId)),
            ("receiver", .string(job.receiver)),
            ("conversation", .string(job.conversation)),
            ("template", .string(job.template)),
            ("device", .object(device)),
            ("attempt", .number(Double(job.attempts))),
            ("payload", ChannelPayload.make(job, includePushId: false)),
        ])
    }
}
