/// A locale's fallback chain: `zh-Hant-TW` → `zh-Hant` → `zh`. Tags compare without
/// regard to case, and `_` is read as `-` (`zh_CN` is `zh-CN`).
enum LocaleChain {
    /// ASCII-lowercased with `_` as `-`. Written by hand: this runs per receiver.
    static func normalize(_ tag: String) -> String {
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
        var current = Substring(normalize(tag))
        var chain: [String] = []
        while !current.isEmpty {
            chain.append(String(current))
            guard let dash = current.lastIndex(of: "-") else { break }
            current = current[..<dash]
        }
        return chain
    }
}
