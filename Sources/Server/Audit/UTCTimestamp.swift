import Foundation

/// UTC timestamps for audit records, formatted by hand: Foundation's date formatting
/// costs microseconds a record, and every hook call writes one.
enum UTCTimestamp {
    /// `2026-11-26T16:06:39.725Z`.
    static func iso8601(_ date: Date = Date()) -> String {
        let (fields, millis) = breakDown(date)
        var text = day(fields)
        text += "T"
        append2(Int(fields.tm_hour), to: &text)
        text += ":"
        append2(Int(fields.tm_min), to: &text)
        text += ":"
        append2(Int(fields.tm_sec), to: &text)
        text += "."
        if millis < 100 { text += "0" }
        if millis < 10 { text += "0" }
        text += String(millis)
        text += "Z"
        return text
    }

    /// `2026-11-26`: the UTC day, which names the audit file.
    static func day(_ date: Date = Date()) -> String {
        day(breakDown(date).0)
    }

    private static func day(_ fields: tm) -> String {
        var text = String(Int(fields.tm_year) + 1900)
        text += "-"
        append2(Int(fields.tm_mon) + 1, to: &text)
        text += "-"
        append2(Int(fields.tm_mday), to: &text)
        return text
    }

    private static func breakDown(_ date: Date) -> (tm, Int) {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let millis = min(999, Int((interval - Double(seconds)) * 1000))
        var fields = tm()
        gmtime_r(&seconds, &fields)
        return (fields, millis)
    }

    private static func append2(_ value: Int, to text: inout String) {
        if value < 10 { text += "0" }
        text += String(value)
    }
}
