import Experiments
import XCTest

/// When the report names a winner, and when it must not.
final class VerdictRuleTests: XCTestCase {
    func testNoWinnerBeforeEveryArmHasTheMinimumSampleHoweverTinyP() {
        let report = ExperimentReport(design: design(["A", "B"]), counts: [arm("A", 10, of: 1500), arm("B", 200, of: 312)], now: 0)
        XCTAssertLessThan(report.arms[1].pValue!, 1e-20, "the p-value is shown all the same")
        XCTAssertEqual(report.verdict, .noWinnerYet(reason: "arm B has 312 of 1000 receivers"))
        XCTAssertEqual(report.verdictText, "no winner yet: arm B has 312 of 1000 receivers")
    }

    func testEveryShortArmIsNamed() {
        let report = ExperimentReport(design: design(["A", "B", "C"]), counts: [arm("A", 10, of: 290), arm("B", 20, of: 1000)], now: 0)
        XCTAssertEqual(report.verdictText, "no winner yet: arm A has 290, arm C has 0 of 1000 receivers")
    }

    func testAVariantSignificantlyBetterWins() {
        let report = ExperimentReport(design: design(["A", "B"]), counts: [arm("A", 200, of: 2000), arm("B", 282, of: 2000)], now: 0)
        XCTAssertEqual(report.verdict, .winner(variant: "B"))
        XCTAssertEqual(report.verdictText, "winner: B (+4.1 points, p < 0.001)")
        XCTAssertEqual(report.analysis, "fixed-horizon z-test")
        XCTAssertEqual(report.correction, "none needed: one comparison with the control")
    }

    func testAnInsignificantDifferenceNamesNoWinner() {
        let report = ExperimentReport(design: design(["A", "B"]), counts: [arm("A", 200, of: 2000), arm("B", 215, of: 2000)], now: 0)
        XCTAssertEqual(report.verdict, .noSignificantDifference)
        XCTAssertEqual(report.verdictText, "no significant difference")
    }

    func testTheControlWinsWhenItBeatsEveryVariant() {
        let counts = [arm("A", 300, of: 2000), arm("B", 200, of: 2000), arm("C", 210, of: 2000)]
        let report = ExperimentReport(design: design(["A", "B", "C"]), counts: counts, now: 0)
        XCTAssertEqual(report.verdict, .winner(variant: "A"))
        XCTAssertEqual(report.verdictText, "winner: A, the control (every variant is worse, p < 0.001 Holm-corrected)")
    }

    func testTheControlDoesNotWinWhenOnlySomeVariantsAreWorse() {
        let counts = [arm("A", 300, of: 2000), arm("B", 200, of: 2000), arm("C", 290, of: 2000)]
        XCTAssertEqual(ExperimentReport(design: design(["A", "B", "C"]), counts: counts, now: 0).verdict, .noSignificantDifference)
    }

    func testOfSeveralVariantsBeatingTheControlTheHighestRateWinsAndTheReportSaysSo() {
        let counts = [arm("A", 200, of: 2000), arm("B", 300, of: 2000), arm("C", 330, of: 2000)]
        let report = ExperimentReport(design: design(["A", "B", "C"]), counts: counts, now: 0)
        XCTAssertEqual(report.verdict, .winner(variant: "C"))
        XCTAssertEqual(
            report.verdictText,
            "winner: C (+6.5 points, p < 0.001 Holm-corrected); B also beats the control, C has the highest rate (not tested against it)")
    }

    /// B's raw p (0.043) is below 0.05, but not once corrected across three comparisons.
    func testHolmDecidesWithSeveralVariants() {
        let counts = [arm("A", 200, of: 2000), arm("B", 240, of: 2000), arm("C", 215, of: 2000), arm("D", 205, of: 2000)]
        let report = ExperimentReport(design: design(["A", "B", "C", "D"]), counts: counts, now: 0)
        XCTAssertLessThan(report.arms[1].pValue!, 0.05)
        XCTAssertGreaterThan(report.arms[1].correctedPValue!, 0.05)
        XCTAssertEqual(report.verdict, .noSignificantDifference)
        XCTAssertEqual(report.analysis, "fixed-horizon z-test, Holm-corrected")
        XCTAssertEqual(report.correction, "Holm, across 3 comparisons with the control")
    }

    func testTheSequentialModeNamesItself() {
        let counts = [arm("A", 200, of: 5000), arm("B", 400, of: 5000)]
        let report = ExperimentReport(design: design(["A", "B"], analysis: .sequential), counts: counts, now: 0)
        XCTAssertEqual(report.analysis, "sequential mSPRT (always valid)")
        XCTAssertEqual(report.verdict, .winner(variant: "B"))
        XCTAssertEqual(report.verdictText, "winner: B (+4.0 points, always-valid p < 0.001)")
    }

    /// The always-valid p-value is larger than the fixed-horizon one: the price of peeking.
    func testTheSequentialTestIsMoreCautiousThanTheFixedOne() {
        let counts = [arm("A", 200, of: 2000), arm("B", 260, of: 2000)]
        let fixed = ExperimentReport(design: design(["A", "B"]), counts: counts, now: 0)
        let sequential = ExperimentReport(design: design(["A", "B"], analysis: .sequential), counts: counts, now: 0)
        XCTAssertEqual(fixed.verdict, .winner(variant: "B"))
        XCTAssertEqual(sequential.verdict, .noSignificantDifference)
        XCTAssertGreaterThan(sequential.arms[1].pValue!, fixed.arms[1].pValue!)
    }

    func testAdaptiveBanditWeightsGiveNoSignificanceVerdict() {
        let history = [
            WeightUpdate(experiment: "welcome", time: 1_800_000_060, weights: ["A": 0.4, "B": 0.6]),
            WeightUpdate(experiment: "welcome", time: 1_800_000_120, weights: ["A": 0.2, "B": 0.8]),
            WeightUpdate(experiment: "other", time: 1_800_000_120, weights: ["X": 1]),
        ]
        let counts = [arm("A", 200, of: 5000), arm("B", 400, of: 5000)]
        let report = ExperimentReport(design: design(["A", "B"], bandit: true), counts: counts, weightHistory: history, now: 1_800_000_200)
        XCTAssertEqual(report.verdict, .adaptive)
        XCTAssertNil(report.arms[1].pValue)
        XCTAssertNil(report.arms[1].correctedPValue)
        XCTAssertEqual(report.arms[1].absoluteLift!, 0.04, accuracy: 1e-12, "the lift is still shown")
        XCTAssertEqual(
            report.adaptation,
            Adaptation(method: "Thompson sampling", from: 1_800_000_060, latest: 1_800_000_120, weights: ["A": 0.2, "B": 0.8], updates: 2, declaredWeightsFirst: true))
        XCTAssertEqual(
            report.verdictText,
            "no significance verdict: weights were adaptive (Thompson sampling) from 2027-01-15T08:01:00Z; highest observed rate: B 8.00%")
        XCTAssertEqual(report.analysis, "bandit (Thompson sampling): no significance test while weights adapt")
        let text = report.text()
        print(text)
        XCTAssertTrue(
            text.contains(
                "bandit: declared weights until 2027-01-15T08:01:00Z, then adaptive by Thompson sampling: "
                    + "2 updates, latest at 2027-01-15T08:02:00Z: A 20.00%, B 80.00%\n"), text)
    }

    /// Since a time after some updates: the update in force then counts, the period is adaptive throughout.
    func testTheAdaptivePeriodStartsAtSinceWhenAnUpdateWasInForce() {
        let history = [100.0, 200, 300, 500].map { WeightUpdate(experiment: "welcome", time: $0, weights: ["A": 0.5, "B": 0.5]) }
        let adaptation = Adaptation(design: design(["A", "B"], bandit: true), history: history, since: 250, now: 400)
        XCTAssertEqual(adaptation?.from, 250)
        XCTAssertEqual(adaptation?.latest, 300)
        XCTAssertEqual(adaptation?.updates, 2)
        XCTAssertEqual(adaptation?.declaredWeightsFirst, false)
        let counts = [arm("A", 100, of: 1000), arm("B", 100, of: 1000)]
        let report = ExperimentReport(design: design(["A", "B"], bandit: true), counts: counts, weightHistory: history, since: 250, now: 400)
        XCTAssertTrue(
            report.text().contains(
                "bandit: adaptive throughout (since 1970-01-01T00:04:10Z) by Thompson sampling: 2 updates, latest at 1970-01-01T00:05:00Z"),
            report.text())
    }

    func testABanditBeforeItsFirstUpdateIsJudgedLikeAnyExperiment() {
        let history = [WeightUpdate(experiment: "welcome", time: 500, weights: ["A": 0.2, "B": 0.8])]
        let counts = [arm("A", 200, of: 5000), arm("B", 400, of: 5000)]
        let report = ExperimentReport(design: design(["A", "B"], bandit: true), counts: counts, weightHistory: history, now: 400)
        XCTAssertNil(report.adaptation)
        XCTAssertEqual(report.verdict, .winner(variant: "B"))
        XCTAssertTrue(report.text().contains("bandit: no weight update yet; the declared weights applied throughout"), report.text())
    }

    func testArmsWithoutReceiversHaveNoRateAndNoTest() throws {
        let report = ExperimentReport(design: design(["A", "B", "C"], minimumSample: 0), counts: [arm("A", 0, of: 100), arm("B", 2, of: 100)], now: 0)
        XCTAssertEqual(report.arms[2].receivers, 0, "a variant with no counts gets zeros")
        XCTAssertNil(report.arms[2].openRate)
        XCTAssertNil(report.arms[2].interval)
        XCTAssertNil(report.arms[2].pValue)
        XCTAssertNil(report.arms[1].relativeLift, "no relative lift over a control rate of 0")
        XCTAssertEqual(report.arms[1].absoluteLift!, 0.02, accuracy: 1e-12)
        XCTAssertEqual(report.verdict, .noSignificantDifference)
    }

    func testNothingAtAllIsNoWinnerYet() {
        let report = ExperimentReport(design: design(["A", "B"]), counts: [], now: 0)
        XCTAssertEqual(report.verdictText, "no winner yet: arm A has 0, arm B has 0 of 1000 receivers")
    }

    func testWithoutAControlThereIsNoWinner() {
        var noControl = design(["A", "B"], minimumSample: 1)
        noControl.variants[0].isControl = false
        let report = ExperimentReport(design: noControl, counts: [arm("A", 10, of: 100), arm("B", 90, of: 100)], now: 0)
        XCTAssertEqual(report.verdict, .noWinnerYet(reason: "the experiment names no control variant"))
    }
}
