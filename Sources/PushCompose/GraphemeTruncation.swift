/// Shortens text by user-perceived characters (grapheme clusters), so an emoji, a flag,
/// a skin-tone or ZWJ sequence or a letter with combining marks is kept whole or dropped whole.
public enum GraphemeTruncation {
    /// `text` unchanged when it has at most `maxCharacters` characters; otherwise its
    /// first `maxCharacters` characters (trailing white space trimmed) followed by `ellipsis`.
    /// The ellipsis does not count toward `maxCharacters`.
    public static func truncate(_ text: String, to maxCharacters: Int, ellipsis: String) -> String {
        guard maxCharacters >= 0 else { return text }
        var index = text.startIndex
        var count = 0
        while index != text.endIndex && count < maxCharacters {
            text.formIndex(after: &index)
            count += 1
        }
        if index == text.endIndex { return text }
        var kept = text[..<index]
        while let last = kept.last, last.isWhitespace { kept = kept.dropLast() }
        return String(kept) + ellipsis
    }
}
