/// A duration as an operator types it: `30m`, `24h`, `7d`, `90s` or plain seconds
/// (`3600`). Read the same by the admin API (`?olderThan=`) and `pushcompose queue`
/// (`--older-than`).
enum DurationText {
    /// What a well-formed duration looks like, for error messages.
    static let examples = "30m, 24h, 7d or a number of seconds"
    /// At most 100 years: a cut-off further back than a date can be stored would overflow.
    static let maxSeconds = 100 * 365 * 86_400

    /// The duration in seconds; nil when `text` is not one, or is longer than `maxSeconds`.
    static func seconds(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var digits = Substring(text)
        var unit = 1
        if let last = digits.last, let multiplier = units[last] {
            unit = multiplier
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits) else { return nil }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: unit)
        guard !overflow, seconds <= maxSeconds else { return nil }
        return seconds
    }
}
