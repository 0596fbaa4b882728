/// Scripted answers: per device token first, then for any token, in order; when
/// none is left the stand-in answers with success.
struct AnswerScript<Answer> {
    private var byToken: [String: ArraySlice<Answer>] = [:]
    private var forAny: ArraySlice<Answer> = []

    mutating func append(_ answers: [Answer], token: String) {
        byToken[token, default: []].append(contentsOf: answers)
    }

    mutating func append(_ answers: [Answer]) {
        forAny.append(contentsOf: answers)
    }

    /// The next scripted answer for a request to `token`, consumed; nil when none is left.
    mutating func next(token: String) -> Answer? {
        if let answer = byToken[token]?.popFirst() {
            if byToken[token]?.isEmpty == true { byToken[token] = nil }
            return answer
        }
        return forAny.popFirst()
    }
}
