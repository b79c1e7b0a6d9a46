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

    /// A PNG from raw samples: `interlace` serializes them in Adam7 passes; `chunks` go
    /// between IHDR and IDAT (PLTE, tRNS).
    func png(width: Int, height: Int, colorType: UInt8, depth: UInt8, interlace: Bool = false,
             chunks: [(String, [UInt8])] = [], bytesPerPixel: Int = 1, packedRowBytes: Int? = nil, samples: [UInt8]) -> Data {
        var raw: [UInt8] = []
        if let n = packedRowBytes {   // samples below 8 bits: rows given as packed bytes
            for y in 0..<height { raw.append(0); raw += samples[(y * n)..<((y + 1) * n)] }
        }
        let passes = packedRowBytes != nil ? []
            : interlace ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        for (x0, y0, dx, dy) in passes {
            for y in stride(from: y0, to: height, by: dy) {
                let xs = Array(stride(from: x0, to: width, by: dx))
                guard !xs.isEmpty else { continue }
                raw.append(0)
                for x in xs { raw += samples[((y * width + x) * bytesPerPixel)..<((y * width + x + 1) * bytesPerPixel)] }
            }
        }
        var out = Data(PNGCodec.signature)
        var ihdr = Data()
        ihdr.append(bigEndian: UInt32(width)); ihdr.append(bigEndian: UInt32(height))
        ihdr.append(contentsOf: [depth, colorType, 0, 0, interlace ? 1 : 0])
        PNGCodec.appendChunk("IHDR", ihdr, to: &out)
        for (type, body) in chunks { PNGCodec.appendChunk(type, Data(body), to: &out) }
        PNGCodec.appendChunk("IDAT", PNGCodec.deflate(raw), to: &out)
        PNGCodec.appendChunk("IEND", Data(), to: &out)
        return out
    }

    /// Issue 21: palette and interlaced PNGs were refused; libpng reads them.
    func testReadsPaletteInterlacedAndLowBitDepth() throws {
        let gray = (0..<(5 * 4)).map { UInt8($0 * 12) }
        let interlaced = try PNGCodec.decode(png(width: 5, height: 4, colorType: 0, depth: 8, interlace: true, samples: gray))
        XCTAssertEqual(interlaced.planes.map(\.pixels), [gray.map(UInt16.init)])
        let rgb16 = (0..<(3 * 3 * 6)).map { UInt8(($0 * 37) % 256) }
        let i16 = try PNGCodec.decode(png(width: 3, height: 3, colorType: 2, depth: 16, interlace: true, bytesPerPixel: 6, samples: rgb16))
        XCTAssertEqual(i16.bitDepth, 16)
        XCTAssertEqual(i16.planes[1].pixels[4], UInt16(rgb16[4 * 6 + 2]) << 8 | UInt16(rgb16[4 * 6 + 3]))
        let palette: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255]
        let indexed = try PNGCodec.decode(png(width: 3, height: 1, colorType: 3, depth: 8, chunks: [("PLTE", palette), ("tRNS", [0])],
                                              samples: [2, 0, 1]))
        XCTAssertEqual(indexed.planes.map(\.pixels), [[0, 255, 0], [0, 0, 255], [255, 0, 0]])
        // 1-bit gray: eight pixels in one byte, widened to 0 or 255.
        let bits = try PNGCodec.decode(png(width: 8, height: 1, colorType: 0, depth: 1, packedRowBytes: 1, samples: [0b1010_0001]))
        XCTAssertEqual(bits.planes[0].pixels, [255, 0, 255, 0, 0, 0, 0, 255])
    }

    /// Issue 21: forged sizes (2^32 - 1 square, 2^31 square, 60,000^2) on a few bytes of
    /// data are one-line errors before any buffer of that size exists, and a bad CRC or a
    /// palette index past the palette is an error, not a read out of bounds.
    func testForgedHeadersAndCorruptChunksAreOneLineErrors() throws {
        for side: UInt32 in [0xFFFF_FFFF, 0x8000_0000, 60_000, 20_000] {
            var forged = png(width: 1, height: 1, colorType: 0, depth: 8, samples: [7])
            var ihdr = Data()
            ihdr.append(bigEndian: side); ihdr.append(bigEndian: side)
            ihdr.append(contentsOf: [8, 0, 0, 0, 0])
            var chunk = Data()
            PNGCodec.appendChunk("IHDR", ihdr, to: &chunk)
            forged.replaceSubrange(8..<33, with: chunk)
            XCTAssertThrowsError(try PNGCodec.decode(forged, source: "f.png"), "\(side)") {
                XCTAssertTrue("\($0)".hasPrefix("f.png: "), "\($0)")
                XCTAssertFalse("\($0)".contains("\n"), "\($0)")
            }
        }
        var badCRC = png(width: 2, height: 2, colorType: 0, depth: 8, samples: [1, 2, 3, 4])
        badCRC[29] ^= 0xFF
        XCTAssertThrowsError(try PNGCodec.decode(badCRC, source: "c.png")) { XCTAssertTrue("\($0)".hasPrefix("c.png: "), "\($0)") }
        let outOfPalette = png(width: 2, height: 1, colorType: 3, depth: 8, chunks: [("PLTE", [1, 2, 3])], samples: [0, 9])
        if let decoded = try? PNGCodec.decode(outOfPalette) { XCTAssertEqual(decoded.planes[0].pixels[0], 1) }
        XCTAssertThrowsError(try PNGCodec.read(dir))
    }

    /// Issue 21: a PNG whose header is within the decode budget (8,000^2 gray, 64 MB) but
    /// whose file could not inflate to that much is refused from the header, before its
    /// pixel buffer exists; a plane of one value, as compressible as data gets, still reads.
    func testDecompressionBombIsRefusedBeforeItsBuffer() throws {
        var bomb = png(width: 1, height: 1, colorType: 0, depth: 8, samples: [7])
        var ihdr = Data()
        ihdr.append(bigEndian: UInt32(8_000)); ihdr.append(bigEndian: UInt32(8_000))
        ihdr.append(contentsOf: [8, 0, 0, 0, 0])
        var chunk = Data()
        PNGCodec.appendChunk("IHDR", ihdr, to: &chunk)
        bomb.replaceSubrange(8..<33, with: chunk)
        XCTAssertThrowsError(try PNGCodec.decode(bomb, source: "bomb.png")) {
            XCTAssertTrue("\($0)".hasPrefix("bomb.png: header size 8000x8000 needs 64000000 bytes of image data but the file's \(bomb.count) bytes can inflate to at most"), "\($0)")
            XCTAssertFalse("\($0)".contains("\n"), "\($0)")
        }
        let flat = png(width: 1024, height: 1024, colorType: 0, depth: 8, samples: [UInt8](repeating: 0, count: 1 << 20))
        XCTAssertLessThan(flat.count * 1032, (1 << 20) * 2, "the plane compresses near deflate's limit")
        XCTAssertEqual(try PNGCodec.decode(flat).planes[0].pixels.count, 1 << 20)
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
