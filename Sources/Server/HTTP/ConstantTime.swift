/// Secret comparison whose time does not depend on where the inputs differ, so a
/// caller cannot find a secret byte by byte by timing the answers.
enum ConstantTime {
    static func equals(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        // Always walk the expected length, whatever the given one.
        for index in 0..<y.count {
            difference |= (index < x.count ? x[index] : 0) ^ y[index]
        }
        return difference == 0
    }
}
