import Foundation
import PushCompose
import XCTest

/// The byte budget: the whole encoded payload fits `maxPayloadBytes`, the text being
/// shortened by whole characters.
final class PayloadBudgetTests: XCTestCase {
    private let unit = "漢字👨‍👩‍👧🇯🇵e\u{301}"  // 5 characters, 3+3+18+8+3 = 35 bytes

    private func composer(maxPayloadBytes: Int, truncate: Int = 10_000) -> Composer {
        Composer(
            templates: TestSelector(TestTemplate(policy: PushPolicy(truncate: truncate))),
            options: Composer.Options(maxPayloadBytes: maxPayloadBytes))
    }

    func testLongTextIsCutToFitTheBudget() throws {
        let text = String(repeating: unit, count: 200)
        XCTAssertEqual(text.utf8.count, 7000)
        for limit in [120, 200, 333, 1000] {
            let plan = composer(maxPayloadBytes: limit).compose(makeHook(content: textContent(text)))
            XCTAssertEqual(plan.renderFailures, [], "limit \(limit)")
            let payload = try XCTUnwrap(plan.answer.pushMessage, "limit \(limit)")
            XCTAssertLessThanOrEqual(payload.utf8.count, limit)

            let alert = try alert(of: payload)
            XCTAssertTrue(alert.hasPrefix("Tom: "), alert)
            XCTAssertTrue(alert.hasSuffix("…"), alert)
            let kept = Array(alert.dropFirst("Tom: ".count).dropLast())
            XCTAssertGreaterThan(kept.count, 0, "limit \(limit)")
            let characters = Array(text)
            // A prefix of whole characters, scalar for scalar.
            XCTAssertEqual(
                kept.flatMap { Array($0.unicodeScalars) }, characters.prefix(kept.count).flatMap { Array($0.unicodeScalars) },
                "limit \(limit)")
            // And the longest one: one more character would not have fitted.
            let next = characters[kept.count]
            XCTAssertGreaterThan(payload.utf8.count + String(next).utf8.count, limit, "limit \(limit)")
        }
    }

    func testFullTextIsKeptWithinTheBudgetToo() throws {
        let template = TestTemplate(policy: PushPolicy(truncate: 10)) { input in
            [(key: "alert", value: .string(input.text)), (key: "body", value: .string(input.fullText))]
        }
        let text = String(repeating: unit, count: 100)
        let plan = Composer(templates: TestSelector(template), options: Composer.Options(maxPayloadBytes: 300))
            .compose(makeHook(content: textContent(text)))
        let payload = try XCTUnwrap(plan.answer.pushMessage)
        XCTAssertLessThanOrEqual(payload.utf8.count, 300)
        let object = try decodeObject(payload)
        let body = try XCTUnwrap(object["body"] as? String)
        XCTAssertTrue(body.hasSuffix("…"))
        XCTAssertTrue(text.unicodeScalars.starts(with: body.dropLast().unicodeScalars))
    }

    func testFullTextKeepsAllTheBudgetAllowsWhileTextKeepsItsTruncation() throws {
        // `text` is cut to the policy's 10 characters; `fullText` only as far as the budget needs.
        let template = TestTemplate(policy: PushPolicy(truncate: 10)) { input in
            [(key: "alert", value: .string(input.text)), (key: "body", value: .string(input.fullText))]
        }
        let text = String(repeating: unit, count: 100)  // 500 characters, 3500 bytes
        let limit = 600
        let plan = Composer(templates: TestSelector(template), options: Composer.Options(maxPayloadBytes: limit))
            .compose(makeHook(content: textContent(text)))
        let payload = try XCTUnwrap(plan.answer.pushMessage)
        XCTAssertLessThanOrEqual(payload.utf8.count, limit)
        let object = try decodeObject(payload)
        XCTAssertEqual(object["alert"] as? String, String(Array(text).prefix(10)) + "…")
        let body = try XCTUnwrap(object["body"] as? String)
        let kept = Array(body.dropLast())
        XCTAssertEqual(body.last, "…")
        XCTAssertGreaterThan(kept.count, 10, body)
        XCTAssertEqual(
            kept.flatMap { Array($0.unicodeScalars) }, Array(text).prefix(kept.count).flatMap { Array($0.unicodeScalars) })
        // The longest that fits: one more character would not have.
        XCTAssertGreaterThan(payload.utf8.count + String(Array(text)[kept.count]).utf8.count, limit)
    }

    func testTextThatFitsIsOnlyCutByThePolicy() throws {
        let text = String(repeating: unit, count: 20)  // 100 characters, 700 bytes
        let plan = composer(maxPayloadBytes: 3800, truncate: 40).compose(makeHook(content: textContent(text)))
        let alert = try alert(of: plan.answer.pushMessage)
        XCTAssertEqual(Array(alert.unicodeScalars), Array(("Tom: " + String(Array(text).prefix(40)) + "…").unicodeScalars))
    }

    func testPayloadExactlyAtTheLimitIsKept() throws {
        let payload = standardPayload("Tom: hello world!")
        let plan = composer(maxPayloadBytes: payload.utf8.count).compose(makeHook(content: textContent("hello world!")))
        XCTAssertEqual(plan.answer.pushMessage, payload)
        // One byte less: the ellipsis costs 3 bytes, so 4 characters go (12 → 8).
        let tighter = composer(maxPayloadBytes: payload.utf8.count - 1).compose(makeHook(content: textContent("hello world!")))
        XCTAssertEqual(tighter.answer.pushMessage, standardPayload("Tom: hello wo…"))
    }

    func testEscapesCountTowardTheBudget() throws {
        // Each unit is 3 characters and 9 bytes once encoded (a, \u0001, \").
        let text = String(repeating: "a\u{01}\"", count: 100)
        let plan = composer(maxPayloadBytes: 100).compose(makeHook(content: textContent(text)))
        let payload = try XCTUnwrap(plan.answer.pushMessage)
        XCTAssertLessThanOrEqual(payload.utf8.count, 100)
        let alert = try alert(of: payload)
        XCTAssertTrue(alert.hasSuffix("…"), alert)
        let kept = String(alert.dropFirst("Tom: ".count).dropLast())
        XCTAssertTrue(text.hasPrefix(kept), alert)
        XCTAssertGreaterThan(kept.count, 0)
        let next = String(Array(text)[kept.count])
        let nextEncodedBytes = JSONEncoding.string(.string(next)).utf8.count - 2
        XCTAssertGreaterThan(payload.utf8.count + nextEncodedBytes, 100)
    }
}
