import Foundation
import PushCompose

/// How FCM's answer to one message is read. 2xx delivered. `UNREGISTERED`, or
/// `INVALID_ARGUMENT` about the registration token, the device is gone (another
/// `INVALID_ARGUMENT` is a message FCM refuses: dead-lettered, the device kept).
/// `UNAVAILABLE`, `INTERNAL`, 429 `QUOTA_EXCEEDED` and other 5xx are tried again, after
/// `Retry-After` when given. `SENDER_ID_MISMATCH`, `THIRD_PARTY_AUTH_ERROR` and other
/// 4xx are refused for good. A 401 `UNAUTHENTICATED` asks for a new access token.
enum FCMAnswer {
    enum Reading: Equatable {
        case outcome(DeliveryOutcome)
        case tokenRefused
    }

    struct Failure: Equatable {
        /// The gRPC status name (`error.status`).
        var status: String?
        /// FCM's own code (`error.details[].errorCode`).
        var errorCode: String?
        var message: String?
        /// The fields a `BadRequest` detail names.
        var fields: [String]
    }

    static func read(_ answer: HTTPAnswer, now: Date) -> Reading {
        if (200..<300).contains(answer.status) { return .outcome(.delivered(status: answer.status)) }
        let failure = Self.failure(in: answer)
        let code = failure.errorCode ?? failure.status
        let text = HTTPAnswer.bounded("FCM \(answer.status) \(code ?? "")" + (failure.message.map { ": " + $0 } ?? ""))
        func retry() -> Reading {
            .outcome(.retry(status: answer.status, reason: text, retryAfter: answer.retryAfter.flatMap { HTTPAnswer.retryDelay($0, now: now) }))
        }
        if code == "UNREGISTERED" || (answer.status == 404 && failure.status == "NOT_FOUND") {
            return .outcome(.deviceGone(status: answer.status, reason: text))
        }
        if code == "INVALID_ARGUMENT" || failure.status == "INVALID_ARGUMENT" {
            return failure.isAboutToken
                ? .outcome(.deviceGone(status: answer.status, reason: text))
                : .outcome(.failedPermanently(status: answer.status, reason: text))
        }
        if code == "THIRD_PARTY_AUTH_ERROR" || code == "SENDER_ID_MISMATCH" {
            return .outcome(.failedPermanently(status: answer.status, reason: text))
        }
        if answer.status == 401 { return .tokenRefused }
        if answer.status == 429 || answer.status >= 500 || code == "UNAVAILABLE" || code == "INTERNAL" || code == "QUOTA_EXCEEDED" {
            return retry()
        }
        return .outcome(.failedPermanently(status: answer.status, reason: text))
    }

    static func failure(in answer: HTTPAnswer) -> Failure {
        var failure = Failure(fields: [])
        guard let json = try? JSONParser.parse(answer.body), let error = json["error"] else { return failure }
        failure.status = error["status"]?.stringValue
        failure.message = error["message"]?.stringValue
        if case .array(let details) = error["details"] {
            for detail in details {
                if let code = detail["errorCode"]?.stringValue { failure.errorCode = code }
                if case .array(let violations) = detail["fieldViolations"] {
                    failure.fields += violations.compactMap { $0["field"]?.stringValue }
                }
            }
        }
        return failure
    }
}

extension FCMAnswer.Failure {
    /// FCM says the registration token itself is malformed or not one of its tokens.
    var isAboutToken: Bool {
        fields.contains("message.token") || (message?.lowercased().contains("registration token") ?? false)
    }
}
