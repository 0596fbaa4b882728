/// Which variant a unit (a receiver or a conversation) gets: a stable hash of
/// (experiment, unit id) into 10,000 buckets, laid over the variants' cumulative weights.
/// The hash is computed here, not by Swift's `Hasher` (seeded per process): every
/// instance, before and after a restart, assigns a unit the same variant, and changing
/// the weights moves only the units whose buckets cross a boundary.
public enum VariantAssignment {
    public static let buckets = 10_000

    /// The unit's bucket in `0..<buckets`: FNV-1a (64 bits) over the experiment's name, a
    /// zero byte and the unit id, mixed by SplitMix64's finaliser so that ids differing in
    /// their last characters spread over all buckets.
    public static func bucket(experiment: String, unit: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for byte in experiment.utf8 { add(byte) }
        add(0)
        for byte in unit.utf8 { add(byte) }
        hash ^= hash >> 30
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash = hash &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return Int(hash % UInt64(buckets))
    }

    /// The index of the variant whose share of the buckets holds `bucket`: variant i owns
    /// buckets from the rounded cumulative weight before it up to its own. Weights of any
    /// positive scale; a zero weight owns no bucket.
    public static func variant(bucket: Int, weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        guard total > 0 else { return 0 }
        var cumulative = 0.0
        for (index, weight) in weights.enumerated() {
            cumulative += weight
            let bound = Int((cumulative / total * Double(buckets)).rounded())
            if bucket < bound { return index }
        }
        return weights.count - 1
    }
}
