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
