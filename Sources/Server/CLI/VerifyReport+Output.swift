import AuditLog
import Foundation
import PushCompose

/// `audit verify`'s report, as text for people and as JSON for tools.
extension VerifyReport {
    func text(directory: String) -> String {
        var lines = ["audit verify: \(directory)" + (since.map { " (records since \($0))" } ?? "")]
        if streams.isEmpty { lines.append("no audit files") }
        for stream in streams {
            lines.append("")
            lines.append(contentsOf: stream.textLines)
        }
        lines.append("")
        let broken = streams.filter { !$0.holds }.count
        lines.append(
            holds
                ? "The chain holds" + (streams.count > 1 ? " in all \(streams.count) streams." : ".")
                : "The chain is broken in \(broken) of \(streams.count) stream\(streams.count == 1 ? "" : "s").")
        return lines.joined(separator: "\n")
    }

    var json: JSONValue {
        .object([
            ("holds", .bool(holds)),
            ("since", since.map(JSONValue.string) ?? .null),
            ("streams", .array(streams.map(\.json))),
        ])
    }
}

extension StreamVerification {
    var textLines: [String] {
        var lines: [String] = []
        let range = firstTime.map { first in ", \(first) … \(lastTime ?? first)" } ?? ""
        lines.append(
            "stream \(stream.isEmpty ? "(single instance)" : stream): \(files.count) file\(files.count == 1 ? "" : "s"), \(records) records, \(Self.megabytes(bytes))\(range)")
        switch start {
        case .genesis: lines.append("  history starts at the chain's first record")
        case .checkpoint(let file, let line): lines.append("  history starts after deleted files, as the checkpoint at \(file):\(line) records")
        case .since: lines.append("  checked from the first record since the given time (its link to earlier records taken as it is)")
        case .unconfirmed: lines.append("  where history starts is unconfirmed: the check stopped before a checkpoint could explain it")
        case .none: break
        }
        if unsealed > 0 { lines.append("  \(unsealed) records before schema 1, not chained") }
        for gap in gaps { lines.append("  gap at \(gap.file):\(gap.line) (\(gap.time)): \(gap.dropped) records not written: \(gap.reason)") }
        for repair in repairs {
            lines.append(
                "  repair at \(repair.file):\(repair.line) (\(repair.time)): a crash's torn line (\(repair.fragmentBytes) bytes at offset \(repair.offset) of \(repair.repairedFile)) was moved to \(repair.sideFile)"
            )
        }
        if let torn = tornEnd {
            lines.append(
                "  note: \(torn.file):\(torn.line) ends without a newline (\(torn.bytes) bytes): a write cut short by a crash, not tampering; the server sets it aside at its next start")
        }
        if let problem {
            lines.append("  \(problem.file):\(problem.line): \(problem.kind.rawValue): \(problem.message)")
        } else {
            lines.append("  holds")
        }
        return lines
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    var json: JSONValue {
        var startValue: [(key: String, value: JSONValue)]
        switch start {
        case .genesis: startValue = [("kind", .string("genesis"))]
        case .checkpoint(let file, let line): startValue = [("kind", .string("checkpoint")), ("file", .string(file)), ("line", .number(Double(line)))]
        case .since: startValue = [("kind", .string("since"))]
        case .unconfirmed: startValue = [("kind", .string("unconfirmed"))]
        case .none: startValue = [("kind", .string("none"))]
        }
        return .object([
            ("stream", .string(stream)),
            ("holds", .bool(holds)),
            ("files", .array(files.map(JSONValue.string))),
            ("records", .number(Double(records))),
            ("bytes", .number(Double(bytes))),
            ("firstTime", firstTime.map(JSONValue.string) ?? .null),
            ("lastTime", lastTime.map(JSONValue.string) ?? .null),
            ("start", .object(startValue)),
            ("unsealed", .number(Double(unsealed))),
            (
                "problem",
                problem.map {
                    .object([("kind", .string($0.kind.rawValue)), ("file", .string($0.file)), ("line", .number(Double($0.line))), ("message", .string($0.message))])
                } ?? .null
            ),
            ("tornEnd", tornEnd.map { .object([("file", .string($0.file)), ("line", .number(Double($0.line))), ("bytes", .number(Double($0.bytes)))]) } ?? .null),
            (
                "gaps",
                .array(
                    gaps.map {
                        .object([
                            ("file", .string($0.file)), ("line", .number(Double($0.line))), ("time", .string($0.time)), ("dropped", .number(Double($0.dropped))),
                            ("reason", .string($0.reason)),
                        ])
                    })
            ),
            (
                "repairs",
                .array(
                    repairs.map {
                        .object([
                            ("file", .string($0.file)), ("line", .number(Double($0.line))), ("time", .string($0.time)), ("repairedFile", .string($0.repairedFile)),
                            ("offset", .number(Double($0.offset))), ("fragmentBytes", .number(Double($0.fragmentBytes))), ("sideFile", .string($0.sideFile)),
                        ])
                    })
            ),
        ])
    }
}
