import Core
import XCTest
import Foundation
@testable import Imaging

final class PNGCodecTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tiff")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID())")

    func testReadsPillowFiles() throws {
        let u8 = try NPYArray.read(fixtures.appendingPathComponent("expected_u8.npy")).floats()
        let u16 = try NPYArray.read(fixtures.appendingPathComponent("expected_u16.npy")).floats()
        let a = try PNGCodec.read(fixtures.appendingPathComponent("u8.png"))
        XCTAssertEqual(a.bitDepth, 8)
        XCTAssertEqual(a.planes[0].pixels.map(Float.init), u8)
        let b = try PNGCodec.read(fixtures.appendingPathComponent("u16.png"))
        XCTAssertEqual(b.bitDepth, 16)
        XCTAssertEqual(b.planes[0].pixels.map(Float.init), u16)
    }

    func testRoundTripsAndRejectsBadFiles() throws {
        let g16 = Image<UInt16>(width: 5, height: 3, pixels: (0..<15).map { UInt16($0 * 4000) })
        try PNGCodec.write(gray: g16, to: dir.appendingPathComponent("g16.png"))
        XCTAssertEqual(try PNGCodec.read(dir.appendingPathComponent("g16.png")).planes, [g16])
        let r = Image<UInt8>(width: 4, height: 2, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
        let g = r.map { $0 &* 3 }, b = r.map { 255 - $0 }
        try PNGCodec.write(red: r, green: g, blue: b, to: dir.appendingPathComponent("rgb.png"))
        XCTAssertEqual(try PNGCodec.read(dir.appendingPathComponent("rgb.png")).planes,
                       [r, g, b].map { $0.map { UInt16($0) } })
        let good = try Data(contentsOf: dir.appendingPathComponent("rgb.png"))
        for cut in [0, 7, 20, good.count - 5] {
            XCTAssertThrowsError(try PNGCodec.decode(good.prefix(cut), source: "x.png")) { e in
                XCTAssertTrue("\(e)".hasPrefix("x.png: "), "\(e)")
            }
        }
    }

    /// RGBA and gray+alpha (the Data Science Bowl's images are RGBA): alpha is read and dropped.
    func testReadsAlphaLayoutsAndRefusesForgedSizes() throws {
        let rgba = PNGCodec.encode(width: 2, height: 1, colorType: 6, bitDepth: 8) { _, row in
            row += [10, 20, 30, 255, 40, 50, 60, 128]
        }
        let a = try PNGCodec.decode(rgba)
        XCTAssertEqual(a.planes.map(\.pixels), [[10, 40], [20, 50], [30, 60]])
        let grayAlpha = PNGCodec.encode(width: 2, height: 1, colorType: 4, bitDepth: 16) { _, row in
            row += [0x12, 0x34, 0xFF, 0xFF, 0xAB, 0xCD, 0, 0]
        }
        XCTAssertEqual(try PNGCodec.decode(grayAlpha).planes.map(\.pixels), [[0x1234, 0xABCD]])
        // A 4-billion-pixel-square header on a few bytes of data: refused before allocating.
        var forged = PNGCodec.encode(width: 1, height: 1, colorType: 0, bitDepth: 8) { _, row in row.append(0) }
        forged.replaceSubrange(16..<24, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertThrowsError(try PNGCodec.decode(forged, source: "forged.png")) {
            XCTAssertTrue("\($0)".hasPrefix("forged.png: "), "\($0)")
        }
    }

    func testCompositeStretchesAndTints() {
        let dna = Image<UInt16>(width: 2, height: 1, pixels: [100, 1100])
        let actin = Image<UInt16>(width: 2, height: 1, pixels: [5000, 0])
        var c = Composite()
        c.lowPercentile = 0; c.highPercentile = 100
        let (r, g, b) = c.render([dna, actin], colors: [(0, 0, 1), (1, 0, 0)])
        XCTAssertEqual(b.pixels, [0, 255])
        XCTAssertEqual(r.pixels, [255, 0])
        XCTAssertEqual(g.pixels, [0, 0])
    }
}
