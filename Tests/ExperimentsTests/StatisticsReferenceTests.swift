import Experiments
import Foundation
import XCTest

/// Every statistic against reference values computed with scipy and mpmath by
/// Fixtures/make_fixtures.py (which says how to regenerate Fixtures/statistics.json).
final class StatisticsReferenceTests: XCTestCase {
    private struct Fixtures: Decodable {
        struct Wilson: Decodable {
            var successes: Int, trials: Int, low: Double, high: Double
        }
        struct Comparison: Decodable {
            var successesA: Int, trialsA: Int, successesB: Int, trialsB: Int
            var z: Double, pValue: Double
            var tau: Double, logLikelihoodRatio: Double, sequentialPValue: Double
        }
        struct Holm: Decodable {
            var pValues: [Double], adjusted: [Double]
        }
        struct Report: Decodable {
            struct Arm: Decodable {
                var variant: String, openers: Int, receivers: Int
                var interval: Wilson?
                var pValue: Double?, correctedPValue: Double?
                var sequentialPValue: Double?, correctedSequentialPValue: Double?
            }
            var name: String
            var arms: [Arm]
        }
        var z95: Double
        var wilson: [Wilson]
        var comparisons: [Comparison]
        var holm: [Holm]
        var reports: [Report]
    }

    private func fixtures() throws -> Fixtures {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "statistics", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixtures.self, from: Data(contentsOf: url))
    }

    /// Equal within 1e-9 relative (exactly, for 0).
    private func assertClose(_ actual: Double?, _ expected: Double?, _ what: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
        guard let actual, let expected else {
            XCTAssertEqual(actual, expected, what(), file: file, line: line)
            return
        }
        XCTAssertLessThanOrEqual(abs(actual - expected), 1e-9 * abs(expected), "\(what()): \(actual) vs reference \(expected)", file: file, line: line)
    }

    func testTheNormalQuantileIsScipys() throws {
        assertClose(WilsonInterval.z95, try fixtures().z95, "z95")
    }

    func testWilsonIntervals() throws {
        let cases = try fixtures().wilson
        XCTAssertGreaterThanOrEqual(cases.count, 12)
        for c in cases {
            let interval = try XCTUnwrap(WilsonInterval(successes: c.successes, trials: c.trials))
            assertClose(interval.low, c.low, "low of \(c.successes)/\(c.trials)")
            assertClose(interval.high, c.high, "high of \(c.successes)/\(c.trials)")
        }
    }

    func testAnIntervalOfNoTrialsIsNil() {
        XCTAssertNil(WilsonInterval(successes: 0, trials: 0))
    }

    func testTwoProportionZTests() throws {
        for c in try fixtures().comparisons {
            let test = TwoProportionZTest(successesA: c.successesA, trialsA: c.trialsA, successesB: c.successesB, trialsB: c.trialsB)
            let name = "\(c.successesA)/\(c.trialsA) vs \(c.successesB)/\(c.trialsB)"
            assertClose(test.z, c.z, "z of \(name)")
            assertClose(test.pValue, c.pValue, "p of \(name)")
        }
    }

    func testMixtureSPRT() throws {
        for c in try fixtures().comparisons {
            let test = MixtureSPRT(successesA: c.successesA, trialsA: c.trialsA, successesB: c.successesB, trialsB: c.trialsB, tau: c.tau)
            let name = "\(c.successesA)/\(c.trialsA) vs \(c.successesB)/\(c.trialsB), tau \(c.tau)"
            assertClose(test.logLikelihoodRatio, c.logLikelihoodRatio, "log Λ of \(name)")
            assertClose(test.pValue, c.sequentialPValue, "always-valid p of \(name)")
        }
    }

    func testHolmAdjustments() throws {
        for c in try fixtures().holm {
            let adjusted = HolmCorrection.adjusted(c.pValues)
            XCTAssertEqual(adjusted.count, c.adjusted.count)
            for (actual, expected) in zip(adjusted, c.adjusted) {
                assertClose(actual, expected, "Holm of \(c.pValues)")
            }
        }
    }

    /// The report's arms carry the same statistics, in both analysis modes, with Holm across
    /// every comparison with the control.
    func testReportsCarryTheReferenceStatistics() throws {
        for c in try fixtures().reports {
            let counts = c.arms.map { ArmCounts(variant: $0.variant, pushes: $0.receivers, receivers: $0.receivers, opens: $0.openers, openers: $0.openers) }
            let variants = c.arms.enumerated().map { ExperimentDesign.Variant(name: $1.variant, weight: 1, isControl: $0 == 0) }
            for mode in [ExperimentDesign.Analysis.fixed, .sequential] {
                let design = ExperimentDesign(name: "x", unit: "receiver", variants: variants, minimumSample: 100, analysis: mode)
                let report = ExperimentReport(design: design, counts: counts, now: 0)
                XCTAssertEqual(report.arms.map(\.variant), c.arms.map(\.variant))
                for (arm, reference) in zip(report.arms, c.arms) {
                    let name = "\(c.name), \(arm.variant), \(mode)"
                    assertClose(arm.interval?.low, reference.interval?.low, "interval low, \(name)")
                    assertClose(arm.interval?.high, reference.interval?.high, "interval high, \(name)")
                    assertClose(arm.pValue, mode == .fixed ? reference.pValue : reference.sequentialPValue, "p, \(name)")
                    assertClose(
                        arm.correctedPValue, mode == .fixed ? reference.correctedPValue : reference.correctedSequentialPValue, "corrected p, \(name)")
                }
            }
        }
    }
}
