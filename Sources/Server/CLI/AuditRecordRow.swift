import AuditLog
import PushCompose

/// One record as a row of `audit find`'s table: time, kind, call, push, receiver,
/// conversation and a few words of what it says. Rows are printed as they are found,
/// so the columns have fixed widths (a longer cell pushes the rest of its row along).
enum AuditRecordRow {
    static let headers = ["time", "kind", "call", "push", "receiver", "conversation", "summary"]
    /// A record time, the longest kind, a push id (a UUID), then room for client ids.
    static let widths = [24, 18, 36, 36, 16, 16]

    static var header: String { line(headers) }

    static func text(_ record: AuditRecord) -> String {
        line([
            record.time, record.kind, record.string("call") ?? "", record.string("push") ?? "", receiver(record),
            record.string("conversation") ?? "", summary(record),
        ])
    }

    private static func line(_ cells: [String]) -> String {
        cells.enumerated().map { column, cell in
            let cell = oneLine(cell)
            guard column < widths.count, cell.count < widths[column] else { return cell }
            return cell + String(repeating: " ", count: widths[column] - cell.count)
        }.joined(separator: "  ")
    }

    /// Control characters (a provider's reason may hold a newline) print as spaces.
    private static func oneLine(_ cell: String) -> String {
        String(String.UnicodeScalarView(cell.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    private static func receiver(_ record: AuditRecord) -> String {
        if let receiver = record.string("receiver") { return receiver }
        switch record.kind {
        case "hook": return record.number("receivers").map { "(\(Int($0)))" } ?? ""
        case "exposure": return "(\(record.strings("receivers").count))"
        case "conversationUpdate": return record.string("client") ?? ""
        default: return ""
        }
    }

    static func summary(_ record: AuditRecord) -> String {
        let value = record.value
        func text(_ key: String) -> String? { value[key].map(\.plainText) }
        switch record.kind {
        case "hook":
            let groups = record.objects("groups")
            let answered = groups.filter { $0["answered"] == .bool(true) }.reduce(0) { $0 + (($1["receivers"].map(Self.count)) ?? 0) }
            var routes = ["answered \(answered - record.objects("coalesced").count)"]
            for (key, words) in [("coalesced", "coalesced"), ("custom", "queued"), ("undeliverable", "undeliverable"), ("excluded", "excluded"), ("mutedUnforced", "muted")] {
                let count = value[key].map(Self.count) ?? 0
                if count > 0 { routes.append("\(words) \(count)") }
            }
            var summary = "\(text("template") ?? "?"): " + routes.joined(separator: ", ")
            if let experiment = text("experiment") { summary += "; experiment \(experiment)" }
            return summary
        case "exposure":
            return [text("experiment"), text("variant"), text("status")].compactMap { $0 }.joined(separator: " ")
        case "queued":
            return [text("provider"), text("device"), text("badge").map { "badge \($0)" }].compactMap { $0 }.joined(separator: " ")
        case "attempt":
            var summary = "#\(text("attempt") ?? "?") \(text("outcome") ?? "?")"
            if let status = text("status") { summary += " \(status)" }
            if let reason = text("reason") { summary += " \(reason)" }
            if let next = text("nextAttemptAt") { summary += "; next \(next)" }
            return summary
        case "delivered", "leaseLost":
            return [text("provider"), text("device")].compactMap { $0 }.joined(separator: " ")
        case "dead", "deviceRemoved":
            return [text("provider"), text("device"), text("reason")].compactMap { $0 }.joined(separator: " ")
        case "rejected":
            return [text("function"), text("status"), text("error")].compactMap { $0 }.joined(separator: " ")
        case "conversationUpdate":
            if let mute = text("mute") { return mute == "true" ? "muted" : "unmuted" }
            return "name " + (text("name") ?? "removed")
        case "gap":
            return "\(text("dropped") ?? "?") records lost: \(text("reason") ?? "?")"
        case "repair":
            return "torn line of \(text("file") ?? "?") moved to \(text("sideFile") ?? "?")"
        case "checkpoint":
            return "retention deleted \(value["deleted"].map(Self.count) ?? 0) files"
        case "operation":
            return [
                text("action"), text("via").map { "via \($0)" }, text("job").map { "job \($0)" }, text("provider"),
                text("count").map { "count \($0)" }, text("outcome"),
            ].compactMap { $0 }.joined(separator: " ")
        default:
            return ""
        }
    }

    private static func count(_ value: JSONValue) -> Int {
        if case .array(let items) = value { return items.count }
        return 0
    }
}
