import Core
import XCTest
import Imaging
@testable import Screen

final class QualityControlTests: XCTestCase {
    func testScoresRespondToBlurSaturationAndDebris() {
        // Sharp-edged discs at the scale of nuclei, and the same defocused (Gaussian, sigma 3),
        // each with the same camera noise added after the optics, as in a microscope: the band
        // ratio drops; scaling intensity (exposure) does not move it.
        let w = 40, h = 30
        var discs = Image<Float>(width: w, height: h, repeating: 1000)
        for (cx, cy) in [(8, 8), (25, 10), (15, 22), (32, 24)] {
            for y in 0..<h { for x in 0..<w where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 25 { discs[x, y] = 9000 } }
        }
        var rng = SeededRandom(seed: 5)
        let noise = (0..<(w * h)).map { _ in 60 * rng.normal() }
        func camera(_ img: Image<Float>, gain: Float = 1) -> Image<UInt16> {
            Image(width: w, height: h, pixels: (0..<(w * h)).map { UInt16(((img.pixels[$0] - 1000) * gain + 1000 + noise[$0] * gain).rounded()) })
        }
        let sharp = camera(discs), soft = camera(gaussianBlur(discs, sigma: 3))
        XCTAssertGreaterThan(SiteQuality(planes: [sharp]).focus, 2 * SiteQuality(planes: [soft]).focus)
        XCTAssertEqual(SiteQuality(planes: [camera(discs, gain: 2)]).focus, SiteQuality(planes: [sharp]).focus,
                       accuracy: 1e-3 * SiteQuality(planes: [sharp]).focus)
        var clipped = sharp
        for i in 0..<120 { clipped.pixels[i] = 65535 }
        XCTAssertEqual(SiteQuality(planes: [clipped]).saturation, 0.1, accuracy: 1e-12)
        // A blob bright in both channels is co-bright; a spot bright in one is not.
        var a = Image<UInt16>(width: w, height: h, repeating: 100), b = a
        for i in 0..<12 { a.pixels[i] = 5000 }
        for y in 10..<13 { for x in 10..<13 { a[x, y] = 9000; b[x, y] = 9000 } }
        XCTAssertEqual(SiteQuality(planes: [a, b]).coBright, 9.0 / Double(w * h), accuracy: 1e-12)
        XCTAssertEqual(SiteQuality(planes: [a, b]).coBrightBlob, 9)
        // Scattered co-bright pixels: the same count, but the largest patch is one pixel.
        var c = Image<UInt16>(width: w, height: h, repeating: 100), d = c
        for i in 0..<12 { c.pixels[i] = 5000 }
        for k in 0..<9 { c[4 * k + 1, 20] = 9000; d[4 * k + 1, 20] = 9000 }
        XCTAssertEqual(SiteQuality(planes: [c, d]).coBright, 9.0 / Double(w * h), accuracy: 1e-12)
        XCTAssertEqual(SiteQuality(planes: [c, d]).coBrightBlob, 1)
    }

    func testPlateRelativeRules() {
        let keys = (1...12).map { SiteKey(plate: "P", well: WellPosition(row: 0, column: $0), site: 1) }
        var q = (0..<12).map { i in SiteQuality(focus: 0.2 + 0.001 * Double(i), saturation: 0, coBright: 1e-5 * Double(i % 3), coBrightBlob: Double(i % 4)) }
        q[3].focus = 0.05                      // out of focus
        q[5].saturation = 0.05                 // clipped
        q[7].coBrightBlob = 150                // debris: one big co-bright lump
        let flagged = QualityControl().flag(keys: keys, qualities: q).map(\.defect)
        XCTAssertEqual(flagged, ["", "", "", "blur", "", "saturated", "", "debris", "", "", "", ""])
        XCTAssertEqual(QualityControl.table(QualityControl().flag(keys: keys, qualities: q)).rows[3][3], "blur")
    }
}
