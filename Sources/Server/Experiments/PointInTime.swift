import Foundation

/// A time as the CLI and the API take it: an ISO 8601 time (`2026-11-27T09:00:00Z`), or a
/// duration back from now (`90m`, `24h`, `7d`, `3600s`).
enum PointInTime {
    /// Seconds since 1970, or nil when `text` is neither form.
    static func parse(_ text: String, now: Double) -> Double? {
        if let date = iso8601(text) { return date }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
        guard let last = text.last, let unit = units[last], let amount = Double(text.dropLast()), amount >= 0, amount.isFinite else {
            return nil
        }
        return now - amount * unit
    }

    static func iso8601(_ text: String) -> Double? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date.timeIntervalSince1970 }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)?.timeIntervalSince1970
    }

    static let help = "an ISO 8601 time such as 2026-11-27T09:00:00Z, or a duration back from now such as 90m, 24h or 7d"
}
