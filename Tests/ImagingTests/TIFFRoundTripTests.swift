import XCTest
import Foundation
@testable import Imaging

final class TIFFRoundTripTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tiff-\(UUID())")

    /// 37 x 23: partial strips and partial 16 x 16 tiles on both edges.
    func ramp<P>(_ make: (Int) -> P) -> Image<P> { Image(width: 37, height: 23, pixels: (0..<(37 * 23)).map(make)) }

    func testEveryLayoutRoundTrips() throws {
        let u16 = ramp { UInt16(($0 * 977) % 65536) }
        let u8 = ramp { UInt8($0 % 256) }
        let labels = ramp { Int32($0 % 11 == 0 ? 0 : $0 / 3) }
        let floats = ramp { Float($0) * 0.25 - 100 }
        for compression in TIFFWriteOptions.Compression.allCases {
            for tile in [nil, 16] as [Int?] {
                for bigEndian in [false, true] {
                    let o = TIFFWriteOptions(compression: compression, tileSize: tile, bigEndian: bigEndian)
                    let tag = "\(compression)-\(tile ?? 0)-\(bigEndian)"
                    let a = dir.appendingPathComponent("u16-\(tag).tif")
                    try TIFFWriter.write(u16, to: a, options: o)
                    XCTAssertEqual(try TIFFReader.readUInt16(a), u16, tag)
                    let b = dir.appendingPathComponent("u8-\(tag).tif")
                    try TIFFWriter.write(u8, to: b, options: o)
                    XCTAssertEqual(try TIFFReader.readUInt16(b).pixels.map { UInt8($0) }, u8.pixels, tag)
                    let c = dir.appendingPathComponent("labels-\(tag).tif")
                    try TIFFWriter.write(labels, to: c, options: o)
                    XCTAssertEqual(try TIFFReader.readLabels(c), labels, tag)
                    let d = dir.appendingPathComponent("f32-\(tag).tif")
                    try TIFFWriter.write(floats, to: d, options: o)
                    XCTAssertEqual(try TIFFReader.readFloat(d), floats, tag)
                }
            }
        }
    }

    func testMultiPage() throws {
        let pages = (0..<3).map { p in ramp { UInt16($0 + p * 1000) } }
        let url = dir.appendingPathComponent("multi.tif")
        try TIFFWriter.write(pages, to: url, options: .init(compression: .deflate))
        let read = try TIFFReader.readPages(url)
        XCTAssertEqual(read.count, 3)
        XCTAssertEqual(read.map { $0.pixels.map { UInt16($0) } }, pages.map(\.pixels))
    }

    func testTruncatedAndNonImageFilesThrowNamingTheFile() throws {
        let good = dir.appendingPathComponent("good.tif")
        try TIFFWriter.write(ramp { UInt16($0) }, to: good, options: .init(compression: .lzw))
        let data = try Data(contentsOf: good)
        for cut in [0, 4, 8, 100, data.count / 2, data.count - 10] {
            let bad = dir.appendingPathComponent("cut-\(cut).tif")
            try data.prefix(cut).write(to: bad)
            XCTAssertThrowsError(try TIFFReader.readUInt16(bad), "cut at \(cut)") { e in
                XCTAssertTrue("\(e)".hasPrefix(bad.path + ": "), "\(e)")
                XCTAssertFalse("\(e)".contains("\n"))
            }
        }
        let text = dir.appendingPathComponent("notes.tif")
        try "not an image".write(to: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TIFFReader.readFloat(text))
        XCTAssertThrowsError(try TIFFReader.readFloat(dir.appendingPathComponent("missing.tif"))) { e in
            XCTAssertEqual("\(e)", dir.appendingPathComponent("missing.tif").path + ": file not found")
        }
        // 16-bit reading refuses values that are not 16-bit integers.
        let f = dir.appendingPathComponent("frac.tif")
        try TIFFWriter.write(Image<Float>(width: 2, height: 1, pixels: [1, 1.5]), to: f)
        XCTAssertThrowsError(try TIFFReader.readUInt16(f))
    }
}
