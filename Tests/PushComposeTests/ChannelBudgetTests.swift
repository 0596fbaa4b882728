import Foundation
import PushCompose
import XCTest

/// Each channel's byte limit: a push the service sends itself is cut to the custom
/// channel's budget, not the built-in push's.
final class ChannelBudgetTests: XCTestCase {
    private let text = String(repeating: "漢字", count: 2000)  // 12,000 bytes

    private func payloadBytes(builtin: Bool, maxPayloadBytes: Int, customPayloadBytes: Int?) -> Int {
        struct EveryoneHasADevice: RegistryLookup {
            func client(_ id: String) -> ClientEntry? { nil }
            func conversation(_ id: String) -> ConversationEntry? { nil }
            func mutedClients(conversation: String) -> Set<String> { [] }
            func hasCustomChannel(_ client: String) -> Bool { true }
        }
        let template = TestTemplate(policy: PushPolicy(truncate: 100_000, builtin: builtin))
        let plan = Composer(
            templates: TestSelector(template), registry: EveryoneHasADevice(),
            options: Composer.Options(maxPayloadBytes: maxPayloadBytes, customPayloadBytes: customPayloadBytes)
        ).compose(makeHook(to: ["Jerry"], content: textContent(text)))
        XCTAssertEqual(plan.renderFailures, [])
        return plan.groups[0].payload.utf8.count
    }

    func testACustomOnlyTemplateIsCutToTheChannelsLimitNotTheBuiltinOne() {
        let bytes = payloadBytes(builtin: false, maxPayloadBytes: 3800, customPayloadBytes: 4077)
        XCTAssertGreaterThan(bytes, 3800)
        XCTAssertLessThanOrEqual(bytes, 4077)
    }

    func testAChannelWithASmallerLimitCutsShorter() {
        XCTAssertLessThanOrEqual(payloadBytes(builtin: false, maxPayloadBytes: 3800, customPayloadBytes: 1000), 1000)
    }

    func testABuiltinTemplateFitsBothLimits() {
        // Its pushes may go either way: cut to the smaller limit.
        XCTAssertLessThanOrEqual(payloadBytes(builtin: true, maxPayloadBytes: 3800, customPayloadBytes: 1000), 1000)
        let bytes = payloadBytes(builtin: true, maxPayloadBytes: 3800, customPayloadBytes: 4077)
        XCTAssertLessThanOrEqual(bytes, 3800)
        XCTAssertGreaterThan(bytes, 3700)
    }

    func testWithoutACustomChannelTheBuiltinLimitHolds() {
        XCTAssertLessThanOrEqual(payloadBytes(builtin: false, maxPayloadBytes: 3800, customPayloadBytes: nil), 3800)
    }
}
