import PushCompose

/// A locale's fallback chain: `zh-Hant-TW` → `zh-Hant` → `zh`. Tags compare without
/// regard to case, and `_` is read as `-` (`zh_CN` is `zh-CN`). Chinese tags without a
/// script get the one their region writes (`zh-CN` → `zh-Hans`, `zh-TW` → `zh-Hant`),
/// since devices commonly report `zh-CN` while templates are written per script.
enum LocaleChain {
    /// ASCII-lowercased with `_` as `-`. Written by hand: this runs per receiver.
    static func normalize(_ tag: String) -> String {
        if !tag.utf8.contains(where: { $0 == UInt8(ascii: "_") || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) {
            return tag
        }
        var bytes = Array(tag.utf8)
        for index in bytes.indices {
            switch bytes[index] {
            case UInt8(ascii: "_"): bytes[index] = UInt8(ascii: "-")
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes[index] += 32
            default: break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The tag and each shorter prefix of it, most specific first, normalized. Only what a
    /// well-formed tag can hold counts: no template locale is longer, and the prefixes of a
    /// long tag (from the directory, from a device) would cost the square of its length.
    static func chain(_ tag: String) -> [String] {
        let normalized = normalize(matchablePrefix(tag))
        var current = Substring(normalized)
        var chain: [String] = []
        while !current.isEmpty {
            chain.append(String(current))
            guard let dash = current.lastIndex(of: "-") else { break }
            current = current[..<dash]
        }
        if normalized == "zh" {
            chain.append("zh-hans")
        } else if let script = chineseScript(normalized) {
            // Before the bare language: zh-CN → zh-cn, zh-hans, zh.
            chain.insert("zh-" + script, at: chain.count - 1)
        }
        return chain
    }

    /// The longest prefix of whole subtags within `LocaleTag.maxLength` characters and
    /// `LocaleTag.maxSubtags` subtags: the tag itself unless it is longer. Runs per
    /// receiver, so it reads at most that many bytes and copies only a longer tag.
    static func matchablePrefix(_ tag: String) -> String {
        let utf8 = tag.utf8
        var lastBoundary: String.Index?
        var subtags = 1
        for (offset, index) in utf8.indices.enumerated() {
            if offset > LocaleTag.maxLength { return prefix(of: tag, to: lastBoundary) }
            guard isSeparator(utf8[index]) else { continue }
            if subtags == LocaleTag.maxSubtags { return prefix(of: tag, to: index) }
            subtags += 1
            lastBoundary = index
        }
        return tag
    }

    private static func prefix(of tag: String, to end: String.Index?) -> String {
        end.map { String(decoding: tag.utf8[..<$0], as: UTF8.self) } ?? ""
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// The script a Chinese tag without one implies: Traditional for Taiwan, Hong Kong
    /// and Macau, Simplified otherwise.
    private static func chineseScript(_ normalized: String) -> String? {
        guard normalized.hasPrefix("zh-") else { return nil }
        let parts = normalized.split(separator: "-")
        guard parts.first == "zh", parts.count >= 2 else { return nil }
        guard parts[1].count != 4 else { return nil }  // a script is already given
        return ["tw", "hk", "mo"].contains(parts[1]) ? "hant" : "hans"
    }
}
