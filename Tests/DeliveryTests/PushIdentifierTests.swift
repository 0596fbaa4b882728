import Delivery
import Foundation
import XCTest

final class PushIdentifierTests: XCTestCase {
    func testIdsAreLowerCaseVersion7UUIDsOfTheirTime() throws {
        for _ in 0..<1_000 {
            let before = UInt64(Date().timeIntervalSince1970 * 1_000)
            let id = PushIdentifier.random()
            let after = UInt64(Date().timeIntervalSince1970 * 1_000)
            XCTAssertEqual(id.utf8.count, 36)
            XCTAssertEqual(id, id.lowercased())
            let uuid = try XCTUnwrap(UUID(uuidString: id), id)
            XCTAssertEqual(uuid.uuidString.lowercased(), id)
            let dashed = Array(id)
            XCTAssertEqual(dashed[14], "7", "version nibble of \(id)")
            XCTAssertTrue("89ab".contains(dashed[19]), "variant nibble of \(id)")
            XCTAssertEqual([8, 13, 18, 23].map { dashed[$0] }, ["-", "-", "-", "-"])
            let milliseconds = try XCTUnwrap(UInt64(String(dashed[0..<8] + dashed[9..<13]), radix: 16))
            // The clocks read apart may differ by a millisecond's rounding.
            XCTAssertTrue(before <= milliseconds + 1 && milliseconds <= after + 1, "\(id): \(milliseconds) not in \(before)...\(after)")
        }
    }

    /// Later ids sort after earlier ones as text, whatever their random bits: the stores'
    /// indexes on push ids grow at their end. A step of 250 ns moves the 12-bit fraction of
    /// the millisecond.
    func testIdsSortByTime() {
        let start: UInt64 = 1_764_230_400_000_000_000
        let steps: [UInt64] = [0, 250, 1_000, 244_141, 999_999, 1_000_000, 1_000_250, 86_400_000_000_000]
        let randoms: [UInt64] = [.max, 0, 0x8000_0000_0000_0000, 0x1234_5678_9abc_def0]
        let ids = steps.enumerated().map { PushIdentifier.id(nanoseconds: start + $0.element, random: randoms[$0.offset % randoms.count]) }
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(Set(ids).count, ids.count)
        // Worked by hand: 1764230400123 ms is 0x019ac453887b; 0.5 ms is 0x800 of 4096.
        XCTAssertEqual(PushIdentifier.id(nanoseconds: 1_764_230_400_123_500_000, random: 0), "019ac453-887b-7800-8000-000000000000")
    }

    func testIdsDoNotRepeat() {
        let ids = (0..<100_000).map { _ in PushIdentifier.random() }
        XCTAssertEqual(Set(ids).count, ids.count)
    }
}
