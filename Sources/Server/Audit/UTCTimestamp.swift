import Foundation

/// UTC timestamps for audit records, formatted by hand: Foundation's date formatting
/// costs microseconds a record, and every hook call writes one.
enum UTCTimestamp {
    /// `2026-11-26T16:06:39.725Z`. Written straight into the string's storage: every
    /// audit record carries one.
    static func iso8601(_ date: Date = Date()) -> String {
        let (fields, millis) = breakDown(date)
        let year = Int(fields.tm_year) + 1900
        guard (0...9999).contains(year) else {
            return day(fields) + String(format: "T%02d:%02d:%02d.%03dZ", fields.tm_hour, fields.tm_min, fields.tm_sec, millis)
        }
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int, digits: Int) {
                var divisor = 1
                for _ in 1..<digits { divisor *= 10 }
                while divisor > 0 {
                    buffer[index] = UInt8(ascii: "0") + UInt8(value / divisor % 10)
                    index += 1
                    divisor /= 10
                }
            }
            func put(_ character: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: character)
                index += 1
            }
            put(year, digits: 4); put("-"); put(Int(fields.tm_mon) + 1, digits: 2); put("-"); put(Int(fields.tm_mday), digits: 2)
            put("T"); put(Int(fields.tm_hour), digits: 2); put(":"); put(Int(fields.tm_min), digits: 2); put(":")
            put(Int(fields.tm_sec), digits: 2); put("."); put(millis, digits: 3); put("Z")
            return index
        }
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
