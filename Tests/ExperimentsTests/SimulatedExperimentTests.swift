import Experiments
import XCTest

/// Seeded simulated experiments: the verdict finds a true difference and, without one, names
/// a winner no more often than the 5% level allows, in the fixed mode read once and in the
/// sequential mode read after every 100 receivers per arm.
final class SimulatedExperimentTests: XCTestCase {
    private let simulations = 200

    /// Receivers who open with the given true rates, one simulated experiment per seed.
    private struct Simulation {
        var rng: SplitMix64
        var rates: [Double]
        var counts: [ArmCounts]

        init(rates: [Double], seed: UInt64) {
            rng = SplitMix64(seed: seed)
            self.rates = rates
            counts = rates.indices.map { ArmCounts(variant: variantName($0)) }
        }

        /// `receivers` more receivers in every arm.
        mutating func add(_ receivers: Int) {
            for index in counts.indices {
                var opened = 0
                for _ in 0..<receivers where rng.nextUnit() < rates[index] { opened += 1 }
                counts[index].receivers += receivers
                counts[index].pushes += receivers
                counts[index].openers += opened
                counts[index].opens += opened
            }
        }
    }

    private func winners(rates: [Double], receivers: Int, analysis: ExperimentDesign.Analysis = .fixed) -> [String: Int] {
        var winners: [String: Int] = [:]
        let design = design(rates.indices.map(variantName), minimumSample: 1000, analysis: analysis)
        for seed in 0..<UInt64(simulations) {
            var simulation = Simulation(rates: rates, seed: seed)
            simulation.add(receivers)
            if case .winner(let variant) = ExperimentReport(design: design, counts: simulation.counts, now: 0).verdict {
                winners[variant, default: 0] += 1
            }
        }
        return winners
    }

    /// Reads the report after every 100 receivers per arm up to `receivers`; the first winner stops the experiment.
    private func peekingWinners(rates: [Double], receivers: Int, analysis: ExperimentDesign.Analysis) -> (winners: [String: Int], stops: [Int]) {
        var winners: [String: Int] = [:]
        var stops: [Int] = []
        let design = design(rates.indices.map(variantName), minimumSample: 100, analysis: analysis)
        for seed in 0..<UInt64(simulations) {
            var simulation = Simulation(rates: rates, seed: 10_000 + seed)
            for _ in 0..<(receivers / 100) {
                simulation.add(100)
                if case .winner(let variant) = ExperimentReport(design: design, counts: simulation.counts, now: 0).verdict {
                    winners[variant, default: 0] += 1
                    stops.append(simulation.counts[0].receivers)
                    break
                }
            }
        }
        return (winners, stops)
    }

    func testATrueDifferenceIsFound() {
        let winners = winners(rates: [0.10, 0.13], receivers: 5000)
        print("10% vs 13%, 5,000 receivers per arm, fixed horizon: winners \(winners) of \(simulations)")
        XCTAssertGreaterThanOrEqual(winners["B", default: 0], 195)
        XCTAssertNil(winners["A"], "the control never wins")
    }

    func testNoDifferenceNamesNoWinnerInAtLeast95Percent() {
        let winners = winners(rates: [0.10, 0.10], receivers: 5000)
        let named = winners.values.reduce(0, +)
        print("10% vs 10%, 5,000 receivers per arm, fixed horizon: a winner named in \(named) of \(simulations) (\(winners))")
        XCTAssertLessThanOrEqual(named, simulations / 20)
    }

    /// Three variants against one control: Holm keeps the chance of any false winner at 5%,
    /// and the one better variant is still found.
    func testThreeVariantsWithHolm() {
        let none = winners(rates: [0.10, 0.10, 0.10, 0.10], receivers: 5000)
        let falseWinners = none.values.reduce(0, +)
        print("four arms at 10%, 5,000 receivers per arm: a winner named in \(falseWinners) of \(simulations) (\(none))")
        XCTAssertLessThanOrEqual(falseWinners, simulations / 20)

        let one = winners(rates: [0.10, 0.10, 0.13, 0.10], receivers: 5000)
        print("C at 13%, the rest at 10%: winners \(one) of \(simulations)")
        XCTAssertGreaterThanOrEqual(one["C", default: 0], 190)
        XCTAssertEqual(one.values.reduce(0, +), one["C", default: 0], "no other arm named")
    }

    /// Always valid: reading the sequential test after every 100 receivers per arm, up to
    /// 5,000, names a winner in at most 5% of experiments with no difference — where the
    /// fixed-horizon test read the same way names far more.
    func testPeekingAtTheSequentialTestKeepsTheFalsePositiveRate() {
        let sequential = peekingWinners(rates: [0.10, 0.10], receivers: 5000, analysis: .sequential)
        let fixed = peekingWinners(rates: [0.10, 0.10], receivers: 5000, analysis: .fixed)
        let sequentialNamed = sequential.winners.values.reduce(0, +)
        let fixedNamed = fixed.winners.values.reduce(0, +)
        print("10% vs 10%, read after every 100 receivers per arm up to 5,000: winner named in \(sequentialNamed) of \(simulations) (sequential), \(fixedNamed) of \(simulations) (fixed horizon, misused)")
        XCTAssertLessThanOrEqual(sequentialNamed, simulations / 20)
        XCTAssertGreaterThan(fixedNamed, simulations / 20, "peeking at the fixed-horizon test inflates its false positives")
    }

    func testTheSequentialTestFindsATrueDifference() {
        let (winners, stops) = peekingWinners(rates: [0.10, 0.13], receivers: 5000, analysis: .sequential)
        let median = stops.sorted()[stops.count / 2]
        print("10% vs 13%, sequential, read every 100 receivers per arm up to 5,000: winners \(winners) of \(simulations), median stop at \(median) receivers per arm")
        XCTAssertGreaterThanOrEqual(winners["B", default: 0], 180)
        XCTAssertNil(winners["A"])
    }
}

private func variantName(_ index: Int) -> String {
    String(UnicodeScalar(UInt8(65 + index)))
}
