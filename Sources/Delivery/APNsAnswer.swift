import Foundation
import PushCompose

/// How APNs' answer to one push is read: 200 delivered; 410, or 400 `BadDeviceToken`,
/// 400 `DeviceTokenNotForTopic` or `Unregistered`, the device is gone; 429 and 5xx are
/// tried again (after `Retry-After` when given); 403 `ExpiredProviderToken` asks for a
/// new token; any other 4xx is refused for good with APNs' reason.
enum APNsAnswer {
    static let deadTokenReasons: Set<String> = ["BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic"]

    enum Reading: Equatable {
        case outcome(DeliveryOutcome)
        /// The provider token was refused as expired: renew it and send once more.
        case tokenExpired
    }

    static func read(_ answer: HTTPAnswer, now: Date) -> Reading {
        // The common case reads no body.
        if (200..<300).contains(answer.status) { return .outcome(.delivered(status: answer.status)) }
        let reason = Self.reason(in: answer)
        let text = reason.map { "APNs \(answer.status) \($0)" } ?? answer.reason
        switch answer.status {
        case 403 where reason == "ExpiredProviderToken":
            return .tokenExpired
        case 410:
            return .outcome(.deviceGone(status: answer.status, reason: text))
        case 400..<500 where reason.map(deadTokenReasons.contains) == true:
            return .outcome(.deviceGone(status: answer.status, reason: text))
        case 429, 500..<600:
            let delay = answer.retryAfter.flatMap { HTTPAnswer.retryDelay($0, now: now) }
            return .outcome(.retry(status: answer.status, reason: text, retryAfter: delay))
        default:
            return .outcome(.failedPermanently(status: answer.status, reason: text))
        }
    }

    /// The `reason` member of APNs' JSON answer.
    static func reason(in answer: HTTPAnswer) -> String? {
        guard !answer.body.isEmpty, let json = try? JSONParser.parse(answer.body) else { return nil }
        return json["reason"]?.stringValue.map(HTTPAnswer.bounded)
    }
}
