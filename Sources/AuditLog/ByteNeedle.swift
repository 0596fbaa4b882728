import Foundation

/// Bytes to look for in lines, found by Boyer–Moore–Horspool: a mismatch skips ahead by
/// up to the needle's length, so a search for a 38-byte quoted id reads few of a line's
/// bytes. (`memmem` is a GNU extension that Swift's Glibc module does not offer.)
struct ByteNeedle: Sendable {
    let bytes: [UInt8]
    /// How far the window may move when its last byte is a given byte.
    private let skip: [Int]

    init(_ bytes: [UInt8]) {
        precondition(!bytes.isEmpty, "a needle has at least one byte")
        self.bytes = bytes
        var skip = [Int](repeating: bytes.count, count: 256)
        for (index, byte) in bytes.dropLast().enumerated() { skip[Int(byte)] = bytes.count - 1 - index }
        self.skip = skip
    }

    func occurs(in haystack: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard haystack.count >= count, let base = haystack.baseAddress else { return false }
        let last = count - 1
        return bytes.withUnsafeBufferPointer { needle in
            skip.withUnsafeBufferPointer { skip in
                let hay = base.assumingMemoryBound(to: UInt8.self)
                let lastByte = needle[last]
                var at = 0
                let end = haystack.count - count
                while at <= end {
                    let byte = hay[at + last]
                    if byte == lastByte && memcmp(hay + at, needle.baseAddress!, last) == 0 { return true }
                    at += skip[Int(byte)]
                }
                return false
            }
        }
    }
}
