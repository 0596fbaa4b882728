/// A locale's fallback chain: `zh-Hant-TW` → `zh-Hant` → `zh`. Tags compare without
/// regard to case, and `_` is read as `-` (`zh_CN` is `zh-CN`).
enum LocaleChain {
    static func normalize(_ tag: String) -> String {
        tag.replacingOccurrences(of: "_", with: "-").lowercased()
    }

    /// The tag and each shorter prefix of it, most specific first, normalized.
    static func chain(_ tag: String) -> [String] {
        var parts = normalize(tag).split(separator: "-").map(String.init)
        var chain: [String] = []
        while !parts.isEmpty {
            chain.append(parts.joined(separator: "-"))
            parts.removeLast()
        }
        return chain
    }
}
