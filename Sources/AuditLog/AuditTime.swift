import Foundation

/// Record times as the records write them: `2026-11-28T02:22:00.123Z`, UTC, whose
/// text order is time order.
public enum AuditTime {
    private static func formatter(fractional: Bool) -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = fractional ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter
    }

    public static func text(_ date: Date) -> String {
        formatter(fractional: true).string(from: date)
    }

    /// A record's time, or a time given by a user in the same form (fraction optional).
    public static func date(_ text: String) -> Date? {
        formatter(fractional: true).date(from: text) ?? formatter(fractional: false).date(from: text)
    }
}
