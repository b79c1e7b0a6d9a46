import XCTest
import Imaging
@testable import Screen

final class QualityControlTests: XCTestCase {
    func testScoresRespondToBlurSaturationAndDebris() {
        // A checkerboard of bright dots: sharp. Its 3x3 box blur: soft.
        let w = 40, h = 30
        var sharp = Image<UInt16>(width: w, height: h, repeating: 1000)
        for y in stride(from: 2, to: h - 2, by: 4) { for x in stride(from: 2, to: w - 2, by: 4) { sharp[x, y] = 9000 } }
        var soft = sharp
        for y in 1..<(h - 1) { for x in 1..<(w - 1) {
            var s = 0
            for dy in -1...1 { for dx in -1...1 { s += Int(sharp[x + dx, y + dy]) } }
            soft[x, y] = UInt16(s / 9)
        } }
        XCTAssertGreaterThan(SiteQuality(planes: [sharp]).focus, 4 * SiteQuality(planes: [soft]).focus)
        var clipped = sharp
        for i in 0..<120 { clipped.pixels[i] = 65535 }
        XCTAssertEqual(SiteQuality(planes: [clipped]).saturation, 0.1, accuracy: 1e-12)
        // A blob bright in both channels is co-bright; a spot bright in one is not.
        var a = Image<UInt16>(width: w, height: h, repeating: 100), b = a
        for i in 0..<12 { a.pixels[i] = 5000 }
        for y in 10..<13 { for x in 10..<13 { a[x, y] = 9000; b[x, y] = 9000 } }
        XCTAssertEqual(SiteQuality(planes: [a, b]).coBright, 9.0 / Double(w * h), accuracy: 1e-12)
    }

    func testPlateRelativeRules() {
        let keys = (1...12).map { SiteKey(plate: "P", well: WellPosition(row: 0, column: $0), site: 1) }
        var q = (0..<12).map { i in SiteQuality(focus: 0.2 + 0.001 * Double(i), saturation: 0, coBright: 1e-5 * Double(i % 3)) }
        q[3].focus = 0.05                      // out of focus
        q[5].saturation = 0.05                 // clipped
        q[7].coBright = 0.004                  // debris
        let flagged = QualityControl().flag(keys: keys, qualities: q).map(\.defect)
        XCTAssertEqual(flagged, ["", "", "", "blur", "", "saturated", "", "debris", "", "", "", ""])
        XCTAssertEqual(QualityControl.table(QualityControl().flag(keys: keys, qualities: q)).rows[3][3], "blur")
    }
}
