import XCTest
@testable import Imaging

final class CellCropTests: XCTestCase {
    func testCentredBoxWithPaddingAndMasking() {
        // 5x4 plane with value = 10*y + x + 1.
        let values: [UInt16] = (0..<20).map { (i: Int) -> UInt16 in UInt16((i / 5) * 10 + i % 5 + 1) }
        let plane = Image<UInt16>(width: 5, height: 4, pixels: values)
        let crop = CellCrop(size: 3)
        XCTAssertEqual(crop.extract([plane], centreX: 2, centreY: 1), [2, 3, 4, 12, 13, 14, 22, 23, 24])
        // At the corner, outside pixels are zero.
        XCTAssertEqual(crop.extract([plane], centreX: 0, centreY: 0), [0, 0, 0, 0, 1, 2, 0, 11, 12])
        // Two channels, channel-major.
        let doubled = plane.map { (v: UInt16) -> UInt16 in v * 2 }
        XCTAssertEqual(crop.extract([plane, doubled], centreX: 4, centreY: 3),
                       [24, 25, 0, 34, 35, 0, 0, 0, 0, 48, 50, 0, 68, 70, 0, 0, 0, 0])
        // Masking: label 2 is another cell, label 0 background stays.
        var labels = Image<Int32>(width: 5, height: 4, repeating: 0)
        labels[1, 0] = 1; labels[2, 1] = 1; labels[3, 1] = 2
        XCTAssertEqual(crop.extract([plane], centreX: 2, centreY: 1, labels: labels, keep: 1), [2, 3, 4, 12, 13, 0, 22, 23, 24])
        // Even size: the centre is at index size/2.
        XCTAssertEqual(CellCrop(size: 2).extract([plane], centreX: 1, centreY: 1), [1, 2, 11, 12])
        XCTAssertEqual(crop.extract([plane], centreX: 50, centreY: 50), Array(repeating: 0, count: 9))
    }
}
