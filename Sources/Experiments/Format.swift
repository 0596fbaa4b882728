import Foundation

/// How the report writes numbers and times for people.
enum Format {
    /// 0.1234 → "12.34%".
    static func percent(_ fraction: Double) -> String {
        String(format: "%.2f%%", fraction * 100)
    }

    /// 0.041 → "+4.1 points".
    static func points(_ difference: Double) -> String {
        String(format: "%+.1f points", difference * 100)
    }

    /// A p-value for the table: four decimals, or "<0.0001".
    static func tableP(_ p: Double) -> String {
        p < 0.0001 ? "<0.0001" : String(format: "%.4f", p)
    }

    /// Seconds since 1970 → "2026-11-27T23:08:42Z".
    static func time(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).ISO8601Format()
    }
}
