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
        bucket(of: unit, after: prefix(experiment: experiment))
    }

    /// The hash state after the experiment's name and the zero byte: the part every unit
    /// of the experiment shares, hashed once per call instead of once per receiver.
    public static func prefix(experiment: String) -> UInt64 {
        add(0, to: add(experiment.utf8, to: 0xcbf2_9ce4_8422_2325))
    }

    /// The unit's bucket from the experiment's `prefix`.
    public static func bucket(of unit: String, after prefix: UInt64) -> Int {
        var hash = add(unit.utf8, to: prefix)
        hash ^= hash >> 30
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash = hash &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return Int(hash % UInt64(buckets))
    }

    private static func add(_ byte: UInt8, to hash: UInt64) -> UInt64 {
        (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    private static func add(_ bytes: String.UTF8View, to hash: UInt64) -> UInt64 {
        // Native strings hand their bytes over at once; others are walked byte by byte.
        if let hashed = bytes.withContiguousStorageIfAvailable({ buffer in buffer.reduce(hash) { add($1, to: $0) } }) { return hashed }
        return bytes.reduce(hash) { add($1, to: $0) }
    }

    /// The index of the variant whose share of the buckets holds `bucket`: variant i owns
    /// buckets from the rounded cumulative weight before it up to its own. Weights of any
    /// positive scale; a zero weight owns no bucket.
    public static func variant(bucket: Int, weights: [Double]) -> Int {
        variant(bucket: bucket, bounds: bounds(weights: weights))
    }

    /// Each variant's bound: the rounded cumulative weight, in buckets (computed once per
    /// call, not per receiver). Empty when the weights add up to nothing.
    public static func bounds(weights: [Double]) -> [Int] {
        let total = weights.reduce(0, +)
        guard total > 0 else { return [] }
        var cumulative = 0.0
        return weights.map { weight in
            cumulative += weight
            return Int((cumulative / total * Double(buckets)).rounded())
        }
    }

    /// The first variant whose bound is above `bucket` (the last when none is; the first
    /// when there are no bounds).
    public static func variant(bucket: Int, bounds: [Int]) -> Int {
        bounds.firstIndex { bucket < $0 } ?? max(bounds.count - 1, 0)
    }
}
