/// BCP 47-shaped locale tags (`en`, `zh-Hans`, `zh_Hant_TW`), as receivers' locales and
/// template locales are written.
public enum LocaleTag {
    /// The longest tag accepted. RFC 5646 asks implementations to support tags of at
    /// least 35 characters, which holds language, script, region and variants.
    public static let maxLength = 35
    /// The most subtags accepted: enough for `zh-Hant-TW`, `sr-Latn-RS-ekavsk` or
    /// `de-DE-u-co-phonebk`.
    public static let maxSubtags = 8

    /// At most `maxLength` characters in at most `maxSubtags` subtags of 1–8 ASCII letters
    /// or digits, separated by `-` or `_`.
    public static func isWellFormed(_ tag: String) -> Bool {
        // The length first, so that nothing below runs over a long string.
        guard tag.utf8.count <= maxLength else { return false }
        let subtags = tag.split(omittingEmptySubsequences: false) { $0 == "-" || $0 == "_" }
        return subtags.count <= maxSubtags && subtags.allSatisfy { subtag in
            (1...8).contains(subtag.count) && subtag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }
}
