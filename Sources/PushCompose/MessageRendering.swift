/// Why a template could not produce a payload for a receiver.
public struct RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A payload rendered for a receiver.
struct RenderedPayload: Sendable, Equatable {
    var payload: String
    var locale: String?
    /// The template rendered without a receiver, when `payload` may name its receiver and
    /// the answer may go to several: what anyone else may be sent instead.
    var unnamedPayload: String?
}

/// One message's share of rendering: the texts, the truncation policy and the byte budget.
struct MessageRendering: Sendable {
    var hook: ReceiversOfflineHook
    var content: MessageContent
    var sender: RenderInput.Party
    var conversation: RenderInput.Party
    var maxPayloadBytes: Int

    /// Renders `template` for `receiver`: `text` cut to the policy's length, `fullText`
    /// whole; when the encoded payload is over the byte budget, `fullText` is cut (by whole
    /// characters) as far as the budget needs, and `text` with it once that is shorter.
    /// - Parameters:
    ///   - locale: the template's locale for the receiver (`resolvedLocale(for:)`).
    ///   - placeholder: what is shown instead of the text; nil shows the message's text.
    /// - Parameter tag: a member added to every payload (an experiment's `_pc`), within the budget.
    func render(
        _ template: any PushTemplate, for receiver: RenderInput.Receiver, locale: String?, placeholder: String?,
        tag: (key: String, value: JSONValue)? = nil
    ) -> Result<RenderedPayload, RenderError> {
        let policy = template.policy
        let fullText = placeholder ?? content.text
        var visible = content
        if policy.privacy {
            visible.text = fullText
            visible.attrs = []
        }

        func encode(text: String, fullText: String) throws -> String {
            let input = RenderInput(
                sender: sender, conversation: conversation, content: visible, text: text, fullText: fullText,
                receiver: receiver, mentionAll: hook.mentionAll, timestamp: hook.timestamp)
            var members = try template.render(input, locale: locale)
            if policy.badge == .increment, !members.contains(where: { $0.key == "badge" }) {
                members.append((key: "badge", value: .string("Increment")))
            }
            if let tag {
                members.removeAll { $0.key == tag.key }
                members.append(tag)
            }
            return JSONEncoding.string(.object(members))
        }

        do {
            // The policy's length applies to the message's own text; a placeholder is the
            // template's text and is shown whole (unless the byte budget needs it cut).
            let showsText = placeholder == nil
            let maxCharacters = showsText ? policy.truncate : Int.max
            let text = showsText ? GraphemeTruncation.truncate(fullText, to: policy.truncate, ellipsis: policy.ellipsis) : fullText
            let payload = try encode(text: text, fullText: fullText)
            if payload.utf8.count <= maxPayloadBytes {
                return .success(RenderedPayload(payload: payload, locale: locale))
            }
            // Too large: find the longest cut of the full text that fits, `text` being cut
            // to the policy's length as well. Payload size grows with the number of
            // characters kept, so a binary search finds it. No payload holds more characters
            // than it has bytes, which bounds the search however long the text.
            var low = 0, high = fullText.prefix(maxPayloadBytes).count
            var best: String?
            while low <= high {
                let kept = (low + high) / 2
                let cut = GraphemeTruncation.truncate(fullText, to: kept, ellipsis: policy.ellipsis)
                let candidate = try encode(text: kept < maxCharacters ? cut : text, fullText: cut)
                if candidate.utf8.count <= maxPayloadBytes {
                    best = candidate
                    low = kept + 1
                } else {
                    high = kept - 1
                }
            }
            if let best { return .success(RenderedPayload(payload: best, locale: locale)) }
            return .failure(RenderError("payload exceeds \(maxPayloadBytes) bytes even with the message text left out"))
        } catch let error as RenderError {
            return .failure(error)
        } catch {
            return .failure(RenderError(String(describing: error)))
        }
    }
}
