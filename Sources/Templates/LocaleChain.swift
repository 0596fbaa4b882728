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

    /// The tag and each shorter prefix of it, most specific first, normalized.
    static func chain(_ tag: String) -> [String] {
        let normalized = normalize(tag)
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
