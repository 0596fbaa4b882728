import Experiments
import Foundation
import XCTest

/// The report as a table for people and as JSON for programs.
final class ReportOutputTests: XCTestCase {
    private func sample() -> ExperimentReport {
        var counts = [arm("A", 200, of: 2000), arm("B", 282, of: 2000), arm("C", 0, of: 0)]
        counts[0].notExposed = 12
        counts[1].notExposed = 7
        counts[1].overridden = 3
        counts[1].pushes = 2400
        return ExperimentReport(design: design(["A", "B", "C"], minimumSample: 0), counts: counts, since: 1_800_000_000, now: 1_800_086_400)
    }

    func testTheTextIsAFixedWidthTableThenTheFindings() {
        let text = sample().text()
        print(text)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines[0], "experiment welcome (unit: conversation), 2027-01-15T08:00:00Z to 2027-01-16T08:00:00Z")
        let table = Array(lines[1...4])
        XCTAssertEqual(Set(table.map(\.count)).count, 1, "every table line has the same width:\n\(table.joined(separator: "\n"))")
        XCTAssertEqual(
            table[0].split(separator: " ").joined(separator: " "), "variant receivers pushes opens openers rate 95% CI lift p p(Holm)")
        XCTAssertEqual(
            table[1].split(separator: " ").joined(separator: " "), "A (control) 2000 2000 200 200 10.00% 8.76% – 11.39% - - -")
        XCTAssertTrue(table[2].hasPrefix("B "))
        XCTAssertTrue(table[2].contains("2400"))
        XCTAssertTrue(table[2].contains("14.10%"))
        XCTAssertTrue(table[2].contains("+4.1 points (+41.0%)"))
        XCTAssertEqual(table[3].split(separator: " ").joined(separator: " "), "C 0 0 0 0 - - - - -")
        XCTAssertEqual(
            Array(lines[5...]),
            [
                "minimum sample: 0 receivers per arm",
                "analysis: fixed-horizon z-test, Holm-corrected",
                "correction: Holm, across 2 comparisons with the control",
                "not exposed: 19 (A 12, B 7, C 0); overridden: 3 (A 0, B 3, C 0) "
                    + "(pushes whose variant a per-user override forced (QA) are excluded from the statistics)",
                "verdict: winner: B (+4.1 points, p < 0.001 Holm-corrected)",
                "",
            ])
    }

    /// Sorted keys, every key present (null where there is no value), no NaN, and back again.
    func testTheJSONHasStableKeysAndDecodesBack() throws {
        let report = sample()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(report)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(
            object.keys.sorted(),
            [
                "adaptation", "analysis", "analysisMode", "arms", "bandit", "correction", "experiment", "minimumSample", "notExposed", "now",
                "overridden", "overridesNote", "since", "unit", "verdict", "verdictText",
            ])
        let arms = try XCTUnwrap(object["arms"] as? [[String: Any]])
        for arm in arms {
            XCTAssertEqual(
                arm.keys.sorted(),
                [
                    "absoluteLift", "correctedPValue", "interval", "isControl", "notExposed", "openRate", "openers", "opens", "overridden", "pValue",
                    "pushes", "receivers", "relativeLift", "variant",
                ])
        }
        XCTAssertTrue(arms[2]["openRate"] is NSNull, "an arm without receivers has a null rate")
        XCTAssertEqual(object["verdict"] as? [String: String], ["kind": "winner", "variant": "B"])
        XCTAssertEqual(try JSONDecoder().decode(ExperimentReport.self, from: data), report)
    }

    func testEveryVerdictEncodesAndDecodes() throws {
        for verdict in [Verdict.noWinnerYet(reason: "arm B has 3 of 10 receivers"), .winner(variant: "B"), .noSignificantDifference, .adaptive] {
            XCTAssertEqual(try JSONDecoder().decode(Verdict.self, from: JSONEncoder().encode(verdict)), verdict)
        }
        XCTAssertThrowsError(try JSONDecoder().decode(Verdict.self, from: Data(#"{"kind": "maybe"}"#.utf8)))
    }

    /// All-or-nothing and empty arms: nothing divides by zero, so the JSON encoder (which
    /// refuses NaN and infinity) accepts every report.
    func testDegenerateCountsEncode() throws {
        let cases: [[ArmCounts]] = [
            [],
            [arm("A", 0, of: 0), arm("B", 0, of: 0)],
            [arm("A", 0, of: 50), arm("B", 0, of: 50)],
            [arm("A", 50, of: 50), arm("B", 50, of: 50)],
            [arm("A", 1, of: 1), arm("B", 0, of: 1)],
            [arm("A", 0, of: 10), arm("B", 10, of: 10)],
        ]
        for counts in cases {
            for mode in [ExperimentDesign.Analysis.fixed, .sequential] {
                let report = ExperimentReport(design: design(["A", "B"], minimumSample: 0, analysis: mode), counts: counts, now: 0)
                XCTAssertNoThrow(try JSONEncoder().encode(report), "\(counts), \(mode)")
                XCTAssertFalse(report.text().contains("nan"), report.text())
            }
        }
    }
}
