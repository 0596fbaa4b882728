import Foundation

/// How the HTTP providers read an answer: 2xx delivered; 410 the device is gone; 408,
/// 429 and 5xx retry (after `Retry-After` when given); any other status is refused for
/// good, with the answer's start kept as the reason.
public struct HTTPAnswer: Sendable {
    public var status: Int
    public var retryAfter: String?
    public var body: [UInt8]

    public init(status: Int, retryAfter: String?, body: [UInt8]) {
        self.status = status
        self.retryAfter = retryAfter
        self.body = body
    }

    /// Longest reason kept from an answer's body, in bytes.
    public static let maxReasonBytes = 512

    public func outcome(now: Date) -> DeliveryOutcome {
        switch status {
        case 200..<300:
            return .delivered(status: status)
        case 410:
            return .deviceGone(status: status, reason: reason)
        case 408, 429, 500..<600:
            return .retry(status: status, reason: reason, retryAfter: retryAfter.flatMap { Self.retryDelay($0, now: now) })
        default:
            return .failedPermanently(status: status, reason: reason)
        }
    }

    /// The status and the start of the body, as one line of text.
    public var reason: String {
        let text = Self.bounded(String(decoding: body.prefix(Self.maxReasonBytes), as: UTF8.self))
        return text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)"
    }

    /// A `Retry-After` value — seconds, or an HTTP date — as a delay from `now`.
    public static func retryDelay(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed) { return seconds >= 0 ? .seconds(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(max(0, Int64((date.timeIntervalSince(now) * 1000).rounded())))
    }

    /// Text for a reason: control characters as spaces (one line in logs), at most
    /// `maxReasonBytes` bytes, cut between characters.
    public static func bounded(_ text: String) -> String {
        var out = ""
        for character in text {
            let piece = character.unicodeScalars.contains { $0.properties.generalCategory == .control } ? " " : String(character)
            if out.utf8.count + piece.utf8.count > maxReasonBytes { break }
            out += piece
        }
        return out.trimmingCharacters(in: .whitespaces)
    }
}
