import Core
import XCTest
import Foundation
@testable import Imaging

/// Files written by tifffile and Pillow (scripts/reference/make_tiff_fixtures.py), read here.
final class TIFFFixtureTests: XCTestCase {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tiff")

    func expected(_ name: String) throws -> [Float] {
        try NPYArray.read(dir.appendingPathComponent("expected_\(name).npy")).floats()
    }

    func testEveryTifffileLayout() throws {
        var checked = 0
        for name in ["u16", "u8", "f32"] {
            let want = try expected(name)
            for comp in ["none", "lzw", "zlib"] {
                for layout in ["strip", "tile"] {
                    for order in ["le", "be"] {
                        let file = dir.appendingPathComponent("\(name)_\(comp)_\(layout)_\(order).tif")
                        let img = try TIFFReader.readFloat(file)
                        XCTAssertEqual(img.width, 37)
                        XCTAssertEqual(img.height, 23)
                        XCTAssertEqual(img.pixels, want, file.lastPathComponent)
                        checked += 1
                    }
                }
            }
        }
        XCTAssertEqual(checked, 36)
    }

    func testMultipageAndPillow() throws {
        let u16 = try expected("u16"), u8 = try expected("u8")
        let pages = try TIFFReader.readPages(dir.appendingPathComponent("u16_multipage.tif"))
        XCTAssertEqual(pages.count, 3)
        XCTAssertEqual(pages[0].pixels, u16)
        XCTAssertEqual(pages[1].pixels, u16.map { ($0 / 2).rounded(.down) })
        XCTAssertEqual(try TIFFReader.readFloat(dir.appendingPathComponent("u8_pillow.tif")).pixels, u8)
        XCTAssertEqual(try TIFFReader.readFloat(dir.appendingPathComponent("u8_pillow_deflate.tif")).pixels, u8)
    }
}
