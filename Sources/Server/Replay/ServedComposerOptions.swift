import AsyncHTTPClient
import Delivery
import PushCompose

extension ServerConfiguration {
    /// The options `serve` composes with: `composerOptions`, and the custom channel's
    /// payload budget, the smallest of the configured providers' as `CustomDelivery` finds
    /// it. The providers are made only to be asked, with no storage opened and nothing
    /// sent, and dropped. Reads the providers' credential files: call it off Swift's
    /// cooperative pool.
    func servedComposerOptions() throws -> Composer.Options {
        var options = composerOptions
        let client = HTTPClient.makeForDelivery()
        defer { try? client.syncShutdown() }
        var providers: [any PushProvider] = []
        if let webhook = delivery.webhook() {
            providers.append(try WebhookProvider(configuration: webhook, client: client))
        }
        if let platform = try delivery.platform(secrets: try secrets()) {
            providers.append(try PlatformPushProvider(configuration: platform, client: client))
        }
        if let apns = try delivery.apns() {
            providers.append(try APNsProvider(configuration: apns, client: client, storeFor: .seconds(delivery.retryMaxAgeSeconds)))
        }
        if let fcm = try delivery.fcm() {
            providers.append(try FCMProvider(configuration: fcm, client: client))
        }
        options.customPayloadBytes = providers.map(\.payloadBudget).min()
        return options
    }
}
