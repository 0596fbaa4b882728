/// BCP 47-shaped locale tags (`en`, `zh-Hans`, `zh_Hant_TW`), as receivers' locales and
/// template locales are written.
public enum LocaleTag {
    /// Subtags of 1–8 ASCII letters or digits, separated by `-` or `_`.
    public static func isWellFormed(_ tag: String) -> Bool {
        let subtags = tag.split(omittingEmptySubsequences: false) { $0 == "-" || $0 == "_" }
        return subtags.allSatisfy { subtag in
            (1...8).contains(subtag.count) && subtag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }
}
