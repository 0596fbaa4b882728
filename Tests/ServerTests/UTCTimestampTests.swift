import Foundation
@testable import Server
import XCTest

/// Audit timestamps are formatted by hand; they must read as Foundation's ISO 8601.
final class UTCTimestampTests: XCTestCase {
    func testMatchesFoundationsISO8601WithMilliseconds() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        for seconds in [0, 1_700_000_000.5, 1_764_201_599.999, 951_782_400.125, 4_102_444_800.25] as [TimeInterval] {
            let date = Date(timeIntervalSince1970: seconds)
            XCTAssertEqual(UTCTimestamp.iso8601(date), formatter.string(from: date), "\(seconds)")
        }
    }

    func testTheDayNamesTheFile() {
        XCTAssertEqual(UTCTimestamp.day(Date(timeIntervalSince1970: 951_782_400)), "2000-02-29")
    }
}
