import PushCompose
import Synchronization
import XCTest

/// Receivers alike in what the template reads share one render, in whatever order they
/// come: the composer remembers the last receiver's render and the earlier ones apart.
final class RenderSharingTests: XCTestCase {
    private final class RenderCount: Sendable {
        let calls = Mutex(0)
        var value: Int { calls.withLock { $0 } }
    }

    private func countingTemplate(_ count: RenderCount, identity: Bool = false) -> TestTemplate {
        TestTemplate(dependsOnReceiverIdentity: identity) { input in
            count.calls.withLock { $0 += 1 }
            return try TestTemplate.standardBody(input)
        }
    }

    func testAlternatingMentionsRenderOncePerKindAndEachReceiverGetsItsOwn() {
        let count = RenderCount()
        let plan = Composer(templates: TestSelector(countingTemplate(count)))
            .compose(makeHook(to: ["a", "b", "c", "d", "e"], mentioned: ["a", "c", "e"]))
        XCTAssertEqual(count.value, 2)
        let byPayload = Dictionary(uniqueKeysWithValues: plan.groups.map { ($0.payload, $0.receivers) })
        XCTAssertEqual(byPayload[standardPayload("Tom mentioned you: hi")], ["a", "c", "e"])
        XCTAssertEqual(byPayload[standardPayload("Tom: hi")], ["b", "d"])
    }

    func testARunOfAlikeReceiversRendersOnce() {
        let count = RenderCount()
        let receivers = (0..<100).map { "user-\($0)" }
        let plan = Composer(templates: TestSelector(countingTemplate(count))).compose(makeHook(to: receivers))
        XCTAssertEqual(count.value, 1)
        XCTAssertEqual(plan.groups.map(\.receivers), [receivers])
    }

    func testIdentityDependentTemplatesRenderEachReceiverOnceEvenWhenRepeatedLater() {
        let count = RenderCount()
        // Duplicates are removed before rendering; three distinct receivers, three renders.
        let plan = Composer(templates: TestSelector(countingTemplate(count, identity: true)))
            .compose(makeHook(to: ["a", "b", "a", "c", "b"]))
        XCTAssertEqual(count.value, 3)
        XCTAssertEqual(plan.groups.flatMap(\.receivers), ["a", "b", "c"])
    }
}
