import XCTest
@testable import Screen

final class WellPositionTests: XCTestCase {
    func testParsesAndPrints() {
        XCTAssertEqual(WellPosition("B3")?.description, "B03")
        XCTAssertEqual(WellPosition("p24"), WellPosition(row: 15, column: 24))
        XCTAssertEqual(WellPosition("AF48")?.row, 31)
        XCTAssertEqual(WellPosition(row: 31, column: 48).description, "AF48")
        XCTAssertNil(WellPosition("B"))
        XCTAssertNil(WellPosition("3B"))
        XCTAssertNil(WellPosition("B0"))
        XCTAssertNil(WellPosition("B3x"))
    }
}
