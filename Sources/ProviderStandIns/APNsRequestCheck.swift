import Foundation
import PushCompose

/// What APNs verifies in a request before accepting a push, with its answers: every
/// problem is recorded, and the first one decides the status and reason.
struct APNsRequestCheck: Sendable {
    /// The most a payload may hold (alert and background pushes alike).
    static let payloadLimit = 4096
    /// How long APNs accepts a provider token after its `iat`.
    static let tokenLifetime: TimeInterval = 3600

    /// The `apns-topic` expected; nil accepts any non-empty topic.
    var topic: String?
    var providerTokens: APNsProviderTokenVerifier

    /// A request's findings.
    struct Findings {
        var deviceToken = ""
        var json: JSONValue?
        var jwt: String?
        var jwtIssuedAt: Date?
        var problems: [String] = []
        /// The answer APNs gives for the first problem; nil when there is none.
        var rejection: (status: Int, reason: String)?

        mutating func reject(_ status: Int, _ reason: String, _ problem: String) {
            problems.append(problem)
            if rejection == nil { rejection = (status, reason) }
        }
    }

    /// Checks one request. `headers` has lower-cased names and no pseudo-headers;
    /// `expiredBefore` is the cutoff set by `expireTokens`.
    func check(method: String, path: String, headers: [String: String], body: [UInt8], now: Date, expiredBefore: Date?) -> Findings {
        var findings = Findings()
        if method != "POST" { findings.reject(405, "MethodNotAllowed", "method \(method), not POST") }
        checkPath(path, into: &findings)
        checkProviderToken(headers["authorization"], now: now, expiredBefore: expiredBefore, into: &findings)
        checkHeaders(headers, into: &findings)
        checkPayload(body, headers: headers, into: &findings)
        return findings
    }

    private func checkPath(_ path: String, into findings: inout Findings) {
        let prefix = "/3/device/"
        guard path.hasPrefix(prefix) else {
            findings.reject(404, "BadPath", "path \(path) is not /3/device/<token>")
            return
        }
        let token = String(path.dropFirst(prefix.count))
        findings.deviceToken = token
        if token.isEmpty || !Self.isHex(token) {
            findings.reject(400, "BadDeviceToken", "device token \(token) is not hexadecimal")
        }
    }

    private func checkProviderToken(_ authorization: String?, now: Date, expiredBefore: Date?, into findings: inout Findings) {
        guard let authorization else {
            findings.reject(403, "MissingProviderToken", "no authorization header")
            return
        }
        guard authorization.lowercased().hasPrefix("bearer ") else {
            findings.reject(403, "MissingProviderToken", "authorization is not bearer <token>")
            return
        }
        let jwt = String(authorization.dropFirst("bearer ".count))
        findings.jwt = jwt
        switch providerTokens.verdict(for: jwt) {
        case .invalid(let problem):
            findings.reject(403, "InvalidProviderToken", problem)
        case .valid(let issuedAt):
            findings.jwtIssuedAt = issuedAt
            if now.timeIntervalSince(issuedAt) > Self.tokenLifetime {
                findings.reject(403, "ExpiredProviderToken", "provider token issued \(Int(now.timeIntervalSince(issuedAt))) s ago")
            } else if let expiredBefore, issuedAt < expiredBefore {
                findings.reject(403, "ExpiredProviderToken", "provider token issued before the expiry cutoff")
            }
        }
    }

    private func checkHeaders(_ headers: [String: String], into findings: inout Findings) {
        if let sent = headers["apns-topic"], !sent.isEmpty {
            if let topic, sent != topic {
                findings.reject(400, "DeviceTokenNotForTopic", "apns-topic \(sent), not \(topic)")
            }
        } else {
            findings.reject(400, "MissingTopic", "no apns-topic")
        }
        let pushType = headers["apns-push-type"]
        if pushType != "alert" && pushType != "background" {
            findings.reject(400, "InvalidPushType", "apns-push-type \(pushType ?? "absent"), not alert or background")
        }
        if let id = headers["apns-id"], !Self.isCanonicalUUID(id) {
            findings.reject(400, "BadMessageId", "apns-id \(id) is not a UUID 8-4-4-4-12")
        }
        let priority = headers["apns-priority"]
        if let priority, priority != "10" && priority != "5" {
            findings.reject(400, "BadPriority", "apns-priority \(priority), not 10 or 5")
        } else if pushType == "background" && priority != "5" {
            findings.reject(400, "BadPriority", "background push with apns-priority \(priority ?? "absent (10)"), not 5")
        }
        if let expiration = headers["apns-expiration"], expiration.isEmpty || !expiration.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            findings.reject(400, "BadExpirationDate", "apns-expiration \(expiration) is not a decimal integer")
        }
        if let collapseId = headers["apns-collapse-id"], collapseId.utf8.count > 64 {
            findings.reject(400, "BadCollapseId", "apns-collapse-id has \(collapseId.utf8.count) bytes, more than 64")
        }
    }

    private func checkPayload(_ body: [UInt8], headers: [String: String], into findings: inout Findings) {
        if body.count > Self.payloadLimit {
            findings.reject(413, "PayloadTooLarge", "payload has \(body.count) bytes, more than \(Self.payloadLimit)")
        }
        guard !body.isEmpty else {
            findings.reject(400, "PayloadEmpty", "no payload")
            return
        }
        guard let json = try? JSONParser.parse(body), case .object = json else {
            findings.reject(400, "BadPayload", "payload is not a JSON object")
            return
        }
        findings.json = json
        guard let aps = json["aps"], case .object = aps else {
            findings.reject(400, "BadPayload", "payload has no aps object")
            return
        }
        if let badge = aps["badge"] {
            if case .number = badge {} else { findings.reject(400, "BadPayload", "aps.badge is not a number") }
        }
        if headers["apns-push-type"] == "background" {
            if aps["content-available"] != .number(1) {
                findings.reject(400, "BadPayload", "background push without aps.content-available 1")
            }
            if aps["alert"] != nil { findings.reject(400, "BadPayload", "background push with aps.alert") }
        }
    }

    /// 8-4-4-4-12 hexadecimal digits, as APNs accepts an `apns-id`.
    static func isCanonicalUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.utf8.count) == [8, 4, 4, 4, 12] && groups.allSatisfy(isHex)
    }

    private static func isHex(_ text: some StringProtocol) -> Bool {
        text.allSatisfy { $0.isASCII && $0.isHexDigit }
    }
}
