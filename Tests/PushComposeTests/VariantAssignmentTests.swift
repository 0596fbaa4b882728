import PushCompose
import XCTest

/// Assignment is a pure function of (experiment, unit): the same on every instance and
/// after restarts, spread as the weights say, and moved only at the boundaries when
/// the weights change.
final class VariantAssignmentTests: XCTestCase {
    /// Pinned values: a change to the hash would reassign every running experiment's users.
    func testBucketsArePinned() {
        XCTAssertEqual(VariantAssignment.bucket(experiment: "greeting", unit: "Jerry"), Self.pinned["greeting/Jerry"])
        XCTAssertEqual(VariantAssignment.bucket(experiment: "greeting", unit: "Tom"), Self.pinned["greeting/Tom"])
        XCTAssertEqual(VariantAssignment.bucket(experiment: "other", unit: "Jerry"), Self.pinned["other/Jerry"])
        XCTAssertEqual(VariantAssignment.bucket(experiment: "", unit: ""), Self.pinned["/"])
        XCTAssertEqual(VariantAssignment.bucket(experiment: "问候", unit: "用户-1"), Self.pinned["问候/用户-1"])
    }

    static let pinned: [String: Int] = ["greeting/Jerry": 7894, "greeting/Tom": 3674, "other/Jerry": 4577, "/": 4608, "问候/用户-1": 2470]

    func testNameAndUnitAreSeparated() {
        // ("ab", "c") and ("a", "bc") are different units of different experiments.
        let a = (0..<200).map { VariantAssignment.bucket(experiment: "x\($0)", unit: "y") }
        let b = (0..<200).map { VariantAssignment.bucket(experiment: "x", unit: "\($0)y") }
        XCTAssertNotEqual(a, b)
    }

    func testSharesMatchTheWeightsOver100000Ids() {
        for weights in [[50.0, 50], [10, 30, 60], [1, 1, 1, 1], [95, 5]] {
            var counts = [Int](repeating: 0, count: weights.count)
            let n = 100_000
            for id in 0..<n {
                let bucket = VariantAssignment.bucket(experiment: "share-test", unit: "user-\(id)")
                counts[VariantAssignment.variant(bucket: bucket, weights: weights)] += 1
            }
            let total = weights.reduce(0, +)
            var chiSquare = 0.0
            for (index, weight) in weights.enumerated() {
                let p = weight / total
                let expected = Double(n) * p
                let sd = (Double(n) * p * (1 - p)).squareRoot()
                // Five standard deviations: a sound hash fails this about once in two million runs.
                XCTAssertLessThan(abs(Double(counts[index]) - expected), 5 * sd, "weights \(weights): \(counts)")
                chiSquare += (Double(counts[index]) - expected) * (Double(counts[index]) - expected) / expected
            }
            // The 99.9th percentile of χ² with 3 degrees of freedom is 16.27 (with fewer, less).
            XCTAssertLessThan(chiSquare, 16.27, "weights \(weights): \(counts)")
        }
    }

    func testChangingWeightsMovesOnlyTheUsersAtTheBoundary() {
        let ids = (0..<100_000).map { "user-\($0)" }
        let buckets = ids.map { VariantAssignment.bucket(experiment: "move-test", unit: $0) }
        let before = buckets.map { VariantAssignment.variant(bucket: $0, weights: [50, 50]) }
        let after = buckets.map { VariantAssignment.variant(bucket: $0, weights: [45, 55]) }
        var moved = 0
        for (old, new) in zip(before, after) where old != new {
            moved += 1
            // Only control's edge moves to the grown arm, never the other way.
            XCTAssertEqual(old, 0)
            XCTAssertEqual(new, 1)
        }
        // 5% of the buckets change hands: about 5,000 users, not half of them.
        XCTAssertGreaterThan(moved, 4_000)
        XCTAssertLessThan(moved, 6_000)
        // Adding a third arm moves the users of the buckets that change owner, and only
        // them: arm 0 keeps 0..<4500, arm 1 keeps 5000..<9000 — 85% of the users stay.
        let three = buckets.map { VariantAssignment.variant(bucket: $0, weights: [45, 45, 10]) }
        let kept = zip(before, three).filter { $0 == $1 }.count
        XCTAssertEqual(Double(kept) / Double(ids.count), 0.85, accuracy: 0.01)
    }

    func testAZeroWeightOwnsNoBucket() {
        for bucket in [0, 1, 4_999, 5_000, 9_999] {
            XCTAssertNotEqual(VariantAssignment.variant(bucket: bucket, weights: [1, 0, 1]), 1)
        }
        XCTAssertEqual(VariantAssignment.variant(bucket: 9_999, weights: [1, 1]), 1)
        XCTAssertEqual(VariantAssignment.variant(bucket: 0, weights: [1, 1]), 0)
    }
}
