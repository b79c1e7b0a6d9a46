import XCTest
import Foundation
import CZlib
@testable import Imaging

/// Forged TIFF headers (issue 21): sizes that overflow, exceed the pixel budget or claim more
/// data than the file holds, and impossible tile geometry. Each file is a few hundred bytes
/// made here, and each must end in a one-line `ImageIOError` naming it, before any buffer of
/// the claimed size exists.
final class TIFFHostileHeaderTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tiff-hostile-\(UUID())")

    override func setUpWithError() throws { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A little-endian classic TIFF of one IFD with `entries` (tag, type, value; one value
    /// each) followed by `payload`; a value of -1 stands for the payload's offset.
    func forged(_ name: String, _ entries: [(tag: UInt16, type: UInt16, value: Int64)], payload: [UInt8] = [0, 0, 0, 0]) throws -> URL {
        var b: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0]
        func u16(_ v: UInt16) { b += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) { b += (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let payloadOffset = UInt32(8 + 2 + 12 * entries.count + 4)
        u16(UInt16(entries.count))
        for e in entries.sorted(by: { $0.tag < $1.tag }) {
            u16(e.tag); u16(e.type); u32(1)
            let v = e.value < 0 ? payloadOffset : UInt32(e.value)
            if e.type == 3 { u16(UInt16(v)); u16(0) } else { u32(v) }
        }
        u32(0)
        b += payload
        let url = dir.appendingPathComponent(name)
        try Data(b).write(to: url)
        return url
    }

    /// A stripped grayscale header of `w` x `h` 16-bit samples with `compression`.
    func stripped(_ name: String, width w: Int64, height h: Int64, compression: Int64 = 1) throws -> URL {
        try forged(name, [(256, 4, w), (257, 4, h), (258, 3, 16), (259, 3, compression), (262, 3, 1),
                          (273, 4, -1), (277, 3, 1), (278, 4, h), (279, 4, 4)])
    }

    func assertOneLineError(_ url: URL, contains expected: String, maxPixels: Int = TIFFReader.defaultMaxPixels,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TIFFReader.readFloat(url, maxPixels: maxPixels), file: file, line: line) { e in
            guard let e = e as? ImageIOError else { return XCTFail("\(e) is not an ImageIOError", file: file, line: line) }
            XCTAssertEqual(e.file, url.path, file: file, line: line)
            XCTAssertFalse(e.description.contains("\n"), e.description, file: file, line: line)
            XCTAssertTrue(e.message.contains(expected), "\(e.message) lacks '\(expected)'", file: file, line: line)
        }
    }

    func testHeadersBeyondThePixelBudgetAreRefusedBeforeAllocating() throws {
        assertOneLineError(try stripped("30000.tif", width: 30_000, height: 30_000), contains: "pixel budget")
        assertOneLineError(try stripped("100000.tif", width: 100_000, height: 100_000), contains: "pixel budget")
        // libtiff itself refuses this one while reading the directory.
        assertOneLineError(try stripped("max.tif", width: 0xFFFF_FFFF, height: 0xFFFF_FFFF), contains: "TIFF")
        assertOneLineError(try stripped("deflate.tif", width: 60_000, height: 60_000, compression: 8), contains: "pixel budget")
    }

    func testUncompressedHeaderLargerThanTheFileIsRefused() throws {
        // Within the budget, but 512 MB of samples cannot be in a file of a few hundred bytes.
        assertOneLineError(try stripped("16000.tif", width: 16_000, height: 16_000), contains: "the file holds")
    }

    func testCompressedHeaderWithoutDataFailsCleanly() throws {
        let url = try stripped("bomb.tif", width: 4_000, height: 4_000, compression: 8)
        XCTAssertThrowsError(try TIFFReader.readFloat(url)) { e in
            XCTAssertTrue(e is ImageIOError, "\(e)")
            XCTAssertFalse("\(e)".contains("\n"))
        }
    }

    func testForgedTileGeometryIsRefused() throws {
        // Deflate, so that the check of uncompressed size against the file does not fire first.
        let base: [(tag: UInt16, type: UInt16, value: Int64)] = [(256, 4, 64), (257, 4, 64), (258, 3, 16), (259, 3, 8), (262, 3, 1),
                                                                  (277, 3, 1), (324, 4, -1), (325, 4, 4)]
        for (name, tw, th) in [("huge-tile.tif", Int64(0xFFFF_FFF0), Int64(0xFFFF_FFF0)), ("wide-tile.tif", 1 << 20, 16),
                               ("tile.tif", 16, 16)] {
            let url = try forged(name, base + [(322, 4, tw), (323, 4, th)])
            XCTAssertThrowsError(try TIFFReader.readFloat(url), name) { e in
                XCTAssertTrue(e is ImageIOError, "\(name): \(e)")
                XCTAssertFalse("\(e)".contains("\n"), "\(e)")
            }
        }
    }

    /// Issue 21: a 126-byte deflate TIFF claiming 16,000^2 float samples (1.02 GB) used to
    /// allocate its whole strip before libtiff found the data short. The claimed size is now
    /// compared, strip by strip, with what its compressed bytes can decode to; the message
    /// comes from that check, which runs before any pixel buffer exists.
    func testDeflateBombIsRefusedFromItsCompressedSize() throws {
        let zeros = [UInt8](repeating: 0, count: 64)
        var size = compressBound(uLong(zeros.count)), stream = [UInt8](repeating: 0, count: Int(compressBound(64)))
        XCTAssertEqual(compress2(&stream, &size, zeros, uLong(zeros.count), 9), Z_OK)
        let payload = Array(stream.prefix(Int(size)))
        let header: [(tag: UInt16, type: UInt16, value: Int64)] = [(256, 4, 16_000), (257, 4, 16_000), (258, 3, 32), (259, 3, 8),
                                                                    (262, 3, 1), (277, 3, 1), (339, 3, 3)]
        let strip = try forged("bomb.tif", header + [(273, 4, -1), (278, 4, 16_000), (279, 4, Int64(payload.count))], payload: payload)
        XCTAssertLessThan(try Data(contentsOf: strip).count, 160)
        assertOneLineError(strip, contains: "strip 0 of 1 should decode to 1024000000 bytes but its \(payload.count) deflate bytes can decode to at most")
        // The same as one 16,000^2 tile, and as LZW and PackBits.
        let tile = try forged("tile-bomb.tif", header + [(322, 4, 16_000), (323, 4, 16_000), (324, 4, -1), (325, 4, Int64(payload.count))],
                              payload: payload)
        assertOneLineError(tile, contains: "tile 0 of 1 should decode to 1024000000 bytes")
        for (name, code) in [("LZW", Int64(5)), ("PackBits", 32773)] {
            let url = try forged("\(name).tif", header.filter { $0.tag != 259 } + [(259, 3, code), (273, 4, -1), (278, 4, 16_000),
                                                                                  (279, 4, Int64(payload.count))], payload: payload)
            assertOneLineError(url, contains: "\(name) bytes can decode to at most")
        }
    }

    /// The bounds are what the codecs can reach, not a guess: planes of one value, which
    /// compress as well as anything can, still read back in every codec the writer has.
    func testBestCompressedPlanesStayWithinTheBound() throws {
        let plane = Image<UInt8>(width: 1024, height: 1024, repeating: 9)
        for compression in TIFFWriteOptions.Compression.allCases {
            for tile in [nil, 512] as [Int?] {
                let url = dir.appendingPathComponent("flat-\(compression)-\(tile ?? 0).tif")
                try TIFFWriter.write(plane, to: url, options: TIFFWriteOptions(compression: compression, tileSize: tile))
                XCTAssertEqual(try TIFFReader.readFloat(url).pixels.allSatisfy { $0 == 9 }, true, url.lastPathComponent)
            }
        }
        XCTAssertEqual(CompressionBound.deflate.decodedBytes(fromCompressed: Int.max), Int.max)
        XCTAssertEqual(CompressionBound(tiffCompression: 50000), nil, "zstd has no useful bound; it is decoded growing")
    }

    func testBudgetIsConfigurableAndCoversAllPages() throws {
        let url = dir.appendingPathComponent("pages.tif")
        let page = Image<UInt16>(width: 10, height: 10, pixels: Array(repeating: 7, count: 100))
        try TIFFWriter.write([page, page, page], to: url)
        XCTAssertEqual(try TIFFReader.readPages(url, maxPixels: 300).count, 3)
        XCTAssertThrowsError(try TIFFReader.readPages(url, maxPixels: 299))
        // A multi-page file is read one named page at a time (`#0`); the budget still counts
        // every page of the file.
        assertOneLineError(try XCTUnwrap(URL(string: url.absoluteString + "#0")), contains: "pixel budget", maxPixels: 99)
        assertOneLineError(dir, contains: "directory")
    }
}
