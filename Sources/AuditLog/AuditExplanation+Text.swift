import PushCompose

extension AuditExplanation {
    /// Where the receiver's push ended: `answered` (handed to the IM server's built-in
    /// push), `delivered`, `dead`, `queued` (still in the queue), `notPushed`, or nil when
    /// nothing is explained.
    public var finalState: String? {
        guard outcome == .explained else { return nil }
        switch route {
        case .answered, .coalesced: return "answered"
        case .mutedUnforced, .excluded, .undeliverable: return "notPushed"
        case .queued, .unknown:
            if deliveries.contains(where: { $0.end?.kind == "delivered" }) { return "delivered" }
            if !deliveries.isEmpty, deliveries.allSatisfy({ $0.end?.kind == "dead" || $0.end?.kind == "deviceRemoved" }) { return "dead" }
            return "queued"
        }
    }

    /// The explanation in words, a sentence or two a line.
    public var lines: [String] {
        switch outcome {
        case .callNotFound:
            return ["No audit record names call \(call): it is not in the audit log (a wrong id, or its files were deleted by retention)."]
        case .receiverNotInCall:
            var line = "\(receiver) was not a receiver of call \(call)"
            if let time, let conversation { line += " (\(time), conversation \(conversation)" + (offlineReceivers.map { ", \($0) offline receivers" } ?? "") + ")" }
            return [line + "."]
        case .explained:
            return decisionLines + deliveryLines + [finalLine]
        }
    }

    public var text: String { lines.joined(separator: "\n") }

    private var decisionLines: [String] {
        guard let time else {
            return ["The decision record of call \(call) was not found (its file may have been deleted by retention); the delivery events follow."]
        }
        var lines: [String] = []
        var opening = "Call \(call) at \(time): \(sender ?? "?") wrote"
        if let messageKind { opening += " a\(messageKind.first.map { "aeiou".contains($0) } == true ? "n" : "") \(messageKind) message" }
        opening += " in conversation \(conversation ?? "?")"
        if let offlineReceivers { opening += " to \(offlineReceivers) offline receiver\(offlineReceivers == 1 ? "" : "s")" }
        lines.append(opening + ".")
        var template = "\(receiver): template \(quoted(self.template ?? "?"))"
        if let locale { template += ", locale \(locale)" }
        if let variant { template += ", variant \(quoted(variant))" + (experiment.map { " of experiment \(quoted($0))" } ?? "") }
        else if let experiment { template += " (experiment \(quoted(experiment)))" }
        if let exposure { template += " (\(exposure))" }
        lines.append(template + ".")
        if forced {
            lines.append("\(receiver) had muted the conversation; the template forces pushes on mute (force: true), so the push went through.")
        } else if muted && route == .mutedUnforced {
            lines.append("\(receiver) had muted the conversation and the template does not force this push: not pushed.")
        } else if muted {
            lines.append("\(receiver) had muted the conversation.")
        }
        if let renderFailure {
            let fallback = renderFailure.fellBackTo.map { "fell back to template \(quoted($0))" } ?? "no fallback (failOpen off)"
            lines.append("Template \(quoted(renderFailure.template)) failed to render (\(renderFailure.reason)); \(fallback).")
        }
        lines.append(routeLine)
        return lines
    }

    private var routeLine: String {
        switch route {
        case .answered:
            var line = "Answered in the built-in push"
            if let payload { line += ": \(payload)" } else if payloadHashed { line += " (the payload is kept as an HMAC only)" }
            if depersonalized { line += " (the answer carried the template rendered without a receiver, as others got it too)" }
            return line + "."
        case .coalesced:
            var line = "Coalesced into the answer (\(routeReason ?? "no reason recorded"))"
            if let payload { line += ": wanted \(payload)" }
            if let answeredPayload { line += ", got \(answeredPayload)" }
            return line + "."
        case .queued:
            return "Queued through the custom channel as push \(push ?? "?")."
        case .undeliverable:
            return "Undeliverable: the template sends through the custom channel and \(receiver) has \(routeReason ?? "no device")."
        case .excluded:
            if let renderFailure, renderFailure.fellBackTo == nil { return "Excluded: the render failed and failOpen is off." }
            return "Excluded: the template pushes only mentioned receivers above its mentionOnlyAbove threshold, and \(receiver) was not mentioned."
        case .mutedUnforced:
            return "Not pushed: muted."
        case .unknown:
            return push.map { "Push \($0)." } ?? "The decision does not say how \(receiver) was pushed."
        }
    }

    private var deliveryLines: [String] {
        if route == .queued && deliveries.isEmpty { return ["No delivery event of this push is in the log."] }
        var lines: [String] = []
        for delivery in deliveries {
            var head = "Device \(delivery.provider) \(delivery.device)" + (delivery.job.map { " (job \($0))" } ?? "")
            if route != .queued || deliveries.contains(where: { $0.push != push }) { head += ", push \(delivery.push)" }
            if let queuedAt = delivery.queuedAt { head += ": queued at \(queuedAt)" + (delivery.badge.map { " with badge \($0)" } ?? "") }
            lines.append(head + ".")
            for attempt in delivery.attempts {
                var line = "  Attempt \(attempt.number.map(String.init) ?? "?") at \(attempt.time): \(attempt.outcome ?? "?")"
                if let status = attempt.status { line += ", status \(status)" }
                if let reason = attempt.reason { line += ", \(reason)" }
                if let millis = attempt.millis { line += " (\(millis) ms)" }
                if let next = attempt.nextAttemptAt { line += "; next attempt at \(next)" }
                lines.append(line + ".")
            }
            if let end = delivery.end {
                let what = ["delivered": "Delivered", "dead": "Dead", "deviceRemoved": "Device removed", "leaseLost": "Lease lost"][end.kind] ?? end.kind
                lines.append("  \(what) at \(end.time)" + (end.reason.map { ": \($0)" } ?? "") + ".")
            }
        }
        return lines
    }

    private var finalLine: String {
        switch finalState {
        case "answered": return "Final: answered; the IM server delivers it by its built-in push."
        case "delivered":
            let devices = deliveries.filter { $0.end?.kind == "delivered" }.map { "\($0.provider) \($0.device)" }
            return "Final: delivered to \(devices.joined(separator: ", "))."
        case "dead":
            let reasons = deliveries.compactMap { $0.end?.reason }
            return "Final: dead" + (reasons.isEmpty ? "." : " (\(reasons.joined(separator: "; "))).")
        case "queued":
            let next = deliveries.compactMap { $0.end == nil ? $0.attempts.last?.nextAttemptAt : nil }.min()
            return "Final: still queued" + (next.map { ", next attempt at \($0)." } ?? ".")
        default: return "Final: not pushed."
        }
    }

    private func quoted(_ text: String) -> String { "\"\(text)\"" }
}
