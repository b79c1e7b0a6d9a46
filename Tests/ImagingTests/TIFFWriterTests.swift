import XCTest
@testable import Imaging

final class TIFFWriterTests: XCTestCase {
    func testHeaderAndSize() {
        let img = Image<UInt16>(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 65535])
        let data = TIFFWriter.encode([img])
        XCTAssertEqual(Array(data.prefix(4)), [0x49, 0x49, 42, 0])
        // 8-byte header + 12 pixel bytes + IFD (2 + 11*12 + 4).
        XCTAssertEqual(data.count, 8 + 12 + 2 + 11 * 12 + 4)
    }
}
