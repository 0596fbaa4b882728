import Experiments
import XCTest

/// Bandit weights: reproducible from their seed, favouring the better arm, never below the floor.
final class ThompsonSamplingTests: XCTestCase {
    private let counts = [
        ArmCounts(variant: "A", receivers: 1000, openers: 100),
        ArmCounts(variant: "B", receivers: 1000, openers: 112),
        ArmCounts(variant: "C", receivers: 400, openers: 45),
    ]

    func testTheSameSeedGivesTheSameWeights() {
        let first = ThompsonSampling.weights(counts: counts, variants: ["A", "B", "C"], floor: 0.05, seed: 42)
        let second = ThompsonSampling.weights(counts: counts, variants: ["A", "B", "C"], floor: 0.05, seed: 42)
        let other = ThompsonSampling.weights(counts: counts, variants: ["A", "B", "C"], floor: 0.05, seed: 43)
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first, other)
    }

    /// Without a floor a weight is a count of draws won over the draws: these exact values are
    /// what every machine must compute from this seed.
    func testTheWeightsOfASeedArePinned() {
        let weights = ThompsonSampling.weights(counts: counts, variants: ["A", "B", "C"], floor: 0, draws: 10_000, seed: 7)
        print("Thompson weights for seed 7: \(weights.sorted { $0.key < $1.key })")
        XCTAssertEqual(weights, ["A": 0.0816, "B": 0.4284, "C": 0.49])
    }

    func testAClearlyBetterArmGetsMostOfTheWeight() {
        let counts = [ArmCounts(variant: "A", receivers: 2000, openers: 200), ArmCounts(variant: "B", receivers: 2000, openers: 300)]
        let weights = ThompsonSampling.weights(counts: counts, variants: ["A", "B"], floor: 0.01, seed: 1)
        XCTAssertGreaterThan(weights["B"]!, 0.98)
        XCTAssertEqual(weights["A"]!, 0.01, accuracy: 1e-12, "the worse arm kept at the floor")
    }

    func testTheFloorHoldsAndTheWeightsSumToOne() {
        let counts = [
            ArmCounts(variant: "A", receivers: 5000, openers: 100), ArmCounts(variant: "B", receivers: 5000, openers: 600),
            ArmCounts(variant: "C", receivers: 5000, openers: 650), ArmCounts(variant: "D", receivers: 5000, openers: 90),
        ]
        for floor in [0.0, 0.01, 0.1, 0.2, 0.25, 0.4] {
            let weights = ThompsonSampling.weights(counts: counts, variants: ["A", "B", "C", "D"], floor: floor, draws: 2000, seed: 3)
            XCTAssertEqual(Set(weights.keys), ["A", "B", "C", "D"])
            XCTAssertEqual(weights.values.reduce(0, +), 1, accuracy: 1e-12, "sum with floor \(floor)")
            for (variant, weight) in weights {
                XCTAssertGreaterThanOrEqual(weight, min(floor, 0.25) - 1e-12, "\(variant) with floor \(floor)")
            }
        }
    }

    func testArmsWithoutDataShareTheWeightAboutEqually() {
        let weights = ThompsonSampling.weights(counts: [], variants: ["A", "B", "C"], floor: 0, seed: 9)
        for weight in weights.values {
            XCTAssertEqual(weight, 1.0 / 3, accuracy: 0.03)
        }
    }
}
