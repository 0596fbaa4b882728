import Delivery
import Foundation
import XCTest

final class PushIdentifierTests: XCTestCase {
    func testIdsAreLowerCaseVersion4UUIDs() throws {
        for _ in 0..<1_000 {
            let id = PushIdentifier.random()
            XCTAssertEqual(id.utf8.count, 36)
            XCTAssertEqual(id, id.lowercased())
            let uuid = try XCTUnwrap(UUID(uuidString: id), id)
            XCTAssertEqual(uuid.uuidString.lowercased(), id)
            let dashed = Array(id)
            XCTAssertEqual(dashed[14], "4", "version nibble of \(id)")
            XCTAssertTrue("89ab".contains(dashed[19]), "variant nibble of \(id)")
            XCTAssertEqual([8, 13, 18, 23].map { dashed[$0] }, ["-", "-", "-", "-"])
        }
    }

    func testIdsDoNotRepeat() {
        let ids = (0..<100_000).map { _ in PushIdentifier.random() }
        XCTAssertEqual(Set(ids).count, ids.count)
    }
}
