import CBlosc
import CZlib
import CZstd
import Foundation
import XCTest
@testable import Imaging

/// Forged and damaged OME-Zarr stores, built here: sizes from `.zarray` are refused against
/// overflow and the pixel budget before anything is allocated, and a truncated, corrupt or
/// oversized (bomb) chunk is a one-line error naming the chunk file.
final class OMEZarrHostileTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try Fixtures.temporaryDirectory()
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    /// An image group `name` with one array "0" described by `zarray` (JSON text), axes c, y, x.
    @discardableResult
    func store(_ name: String, zarray: String, axes: String = #"["c", "y", "x"]"#) throws -> URL {
        let image = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: image.appendingPathComponent("0"), withIntermediateDirectories: true)
        try Data(#"{"multiscales": [{"version": "0.4", "axes": \#(axes), "datasets": [{"path": "0"}]}]}"#.utf8)
            .write(to: image.appendingPathComponent(".zattrs"))
        try Data(zarray.utf8).write(to: image.appendingPathComponent("0/.zarray"))
        return image
    }

    func zarray(shape: String = "[1, 30, 40]", chunks: String = "[1, 16, 16]", dtype: String = "<u2",
                compressor: String = #"{"id": "zlib", "level": 1}"#, extra: String = "") -> String {
        #"{"zarr_format": 2, "shape": \#(shape), "chunks": \#(chunks), "dtype": "\#(dtype)", "compressor": \#(compressor), "fill_value": 0, "order": "C", "filters": null\#(extra)}"#
    }

    func message(_ image: URL, _ selector: String? = "0", maxPixels: Int = TIFFReader.defaultMaxPixels) -> String {
        do { _ = try PlaneReader.readFloat(TIFFPage.url(image, selector: selector), maxPixels: maxPixels); return "read" } catch { return "\(error)" }
    }

    func testForgedSizesAreRefusedBeforeAllocating() throws {
        let file = { (name: String) in self.dir.appendingPathComponent("\(name)/0/.zarray").path }
        let huge = try store("huge", zarray: zarray(shape: "[1, 100000, 100000]"))
        XCTAssertEqual(message(huge), "\(file("huge")): a 100000x100000 plane exceeds the pixel budget of \(1 << 28) (maxPixels)")
        let overflow = try store("overflow", zarray: zarray(shape: "[4611686018427387904, 4, 4]", chunks: "[1, 4, 4]"))
        XCTAssertEqual(message(overflow), "\(file("overflow")): shape [4611686018427387904, 4, 4] overflows the element count")
        let bigChunk = try store("bigchunk", zarray: zarray(chunks: "[1, 30000, 30000]"))
        XCTAssertEqual(message(bigChunk), "\(file("bigchunk")): chunks [1, 30000, 30000] exceed the pixel budget of \(1 << 28) elements per chunk (maxPixels)")
        // A thin chunk that spans many planes: one small plane would decode far more than the budget.
        let deep = try store("deep", zarray: zarray(shape: "[100000, 64, 64]", chunks: "[100000, 1, 1]"))
        XCTAssertTrue(message(deep, maxPixels: 1 << 20).contains("reading one plane decodes 409600000 elements"), message(deep, maxPixels: 1 << 20))
        let small = try store("small", zarray: zarray())
        XCTAssertEqual(message(small, maxPixels: 1000), "\(file("small")): a 40x30 plane exceeds the pixel budget of 1000 (maxPixels)")
        let empty = try store("empty", zarray: zarray(shape: "[1, 0, 40]"))
        XCTAssertEqual(message(empty), "\(file("empty")): shape [1, 0, 40] has an empty dimension")
        let negative = try store("negative", zarray: zarray(chunks: "[1, -16, 16]"))
        XCTAssertEqual(message(negative), "\(file("negative")): chunks [1, -16, 16] has a dimension that is not positive")
        let mismatched = try store("mismatched", zarray: zarray(chunks: "[16, 16]"))
        XCTAssertEqual(message(mismatched), "\(file("mismatched")): chunks [16, 16] and shape [1, 30, 40] differ in dimensions")
        let axes = try store("axes", zarray: zarray(), axes: #"["y", "x"]"#)
        XCTAssertEqual(message(axes), "\(axes.path)/.zattrs: 2 axes (y,x) for a 3-dimensional array [1, 30, 40]")
    }

    func testUnsupportedLayoutsSayWhatIsSupported() throws {
        let file = { (name: String) in self.dir.appendingPathComponent("\(name)/0/.zarray").path }
        XCTAssertEqual(message(try store("lzma", zarray: zarray(compressor: #"{"id": "lzma"}"#))),
                       "\(file("lzma")): compressor 'lzma' is not supported (zlib, gzip, zstd, blosc or none)")
        XCTAssertEqual(message(try store("filters", zarray: zarray(extra: #", "filters": [{"id": "delta", "dtype": "<u2"}]"#).replacingOccurrences(of: #""filters": null, "#, with: ""))),
                       "\(file("filters")): filters (delta) are not supported; expected none")
        XCTAssertEqual(message(try store("bool", zarray: zarray(dtype: "|b1"))),
                       "\(file("bool")): dtype '|b1' is not supported (8-64-bit integers, 32/64-bit floats, e.g. <u2)")
        XCTAssertEqual(message(try store("v3", zarray: zarray().replacingOccurrences(of: #""zarr_format": 2"#, with: #""zarr_format": 3"#))),
                       "\(file("v3")): zarr_format 3; expected 2 (NGFF 0.4)")
        XCTAssertEqual(message(try store("typo", zarray: zarray().replacingOccurrences(of: #""shape": [1, 30, 40]"#, with: #""shape": "big""#))),
                       "\(file("typo")): shape: expected a list in a zarr v2 array description (.zarray)")
        let badPath = dir.appendingPathComponent("badpath")
        try FileManager.default.createDirectory(at: badPath, withIntermediateDirectories: true)
        try Data(#"{"multiscales": [{"datasets": [{"path": 0}]}]}"#.utf8).write(to: badPath.appendingPathComponent(".zattrs"))
        XCTAssertEqual(message(badPath), "\(badPath.path)/.zattrs: multiscales[0].datasets[0].path: expected a string in OME-Zarr attributes (.zattrs)")
        let outside = dir.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data(#"{"multiscales": [{"datasets": [{"path": "../huge/0"}]}]}"#.utf8).write(to: outside.appendingPathComponent(".zattrs"))
        XCTAssertEqual(message(outside), "\(outside.path)/.zattrs: multiscales[0].datasets[0].path '../huge/0' is not a relative path inside the image")
        let v3 = dir.appendingPathComponent("v3store")
        try FileManager.default.createDirectory(at: v3, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: v3.appendingPathComponent("zarr.json"))
        XCTAssertEqual(message(v3), "\(v3.path)/zarr.json: zarr_format: missing; expected a zarr v3 group (zarr.json)")
    }

    /// The fixture's zlib, zstd and blosc stores with one chunk cut short: each error names the chunk.
    func testTruncatedChunksNameTheChunkFile() throws {
        for (store, what) in [("zlib", "truncated compressed chunk"), ("zstd", "corrupt zstd chunk"), ("blosc_lz4", "truncated blosc chunk"),
                              ("none_nested", "uncompressed chunk of 256 bytes, expected 512")] {
            let copy = dir.appendingPathComponent("\(store).zarr")
            try FileManager.default.copyItem(at: Fixtures.url("zarr/\(store).zarr"), to: copy)
            let chunk = copy.appendingPathComponent(store == "none_nested" ? "0/1/0/1" : "0/1.0.1")
            let bytes = try Data(contentsOf: chunk)
            try bytes.prefix(store == "none_nested" ? 256 : bytes.count / 2).write(to: chunk)
            let m = message(copy, "1")
            XCTAssertTrue(m.hasPrefix("\(chunk.path): \(what)"), "\(store): \(m)")
            XCTAssertFalse(m.contains("\n"))
            XCTAssertEqual(message(copy, "0"), "read", "the other channels stay readable")
        }
    }

    /// Chunks that decode to more than a chunk's 512 bytes (1 MiB of zeros, a few KB on disk).
    func testDecompressionBombsAreRefused() throws {
        let big = [UInt8](repeating: 0, count: 1 << 20)
        var zlibCount = compressBound(UInt(big.count))
        var zlib = [UInt8](repeating: 0, count: Int(zlibCount))
        XCTAssertEqual(compress2(&zlib, &zlibCount, big, UInt(big.count), 9), Z_OK)
        let zstdBound = ZSTD_compressBound(big.count)
        var zstd = [UInt8](repeating: 0, count: zstdBound)
        let zstdCount = ZSTD_compress(&zstd, zstdBound, big, big.count, 3)
        XCTAssertEqual(ZSTD_isError(zstdCount), 0)
        zstd = Array(zstd.prefix(zstdCount))
        let bloscBound = big.count + Int(BLOSC_MAX_OVERHEAD)
        var blosc = [UInt8](repeating: 0, count: bloscBound)
        let bloscCount = blosc_compress_ctx(5, 1, 2, big.count, big, &blosc, bloscBound, "lz4", 0, 1)
        XCTAssertGreaterThan(bloscCount, 0)
        for (name, compressor, bytes, what) in [
            ("zlib", #"{"id": "zlib"}"#, Array(zlib.prefix(Int(zlibCount))), "chunk decompresses to more than the 512 bytes a chunk holds"),
            ("zstd", #"{"id": "zstd"}"#, zstd, "zstd frame holds 1048576 bytes, expected a chunk of 512"),
            ("blosc", #"{"id": "blosc", "cname": "lz4"}"#, Array(blosc.prefix(Int(bloscCount))), "blosc chunk holds 1048576 bytes, expected a chunk of 512"),
        ] {
            let image = try store(name, zarray: zarray(compressor: compressor))
            let chunk = image.appendingPathComponent("0/0.0.0")
            try Data(bytes).write(to: chunk)
            let m = message(image)
            XCTAssertTrue(m.hasPrefix("\(chunk.path): \(what)"), "\(name): \(m)")
        }
        // Garbage where a chunk should be.
        let image = try store("garbage", zarray: zarray())
        try Data((0..<300).map { UInt8(($0 * 91) & 255) }).write(to: image.appendingPathComponent("0/0.0.1"))
        XCTAssertTrue(message(image).hasPrefix("\(image.path)/0/0.0.1: corrupt zlib chunk"), message(image))
        // A chunk file far larger than a compressed chunk could be is not read at all.
        let large = try store("large", zarray: zarray())
        try Data(count: 100_000).write(to: large.appendingPathComponent("0/0.1.0"))
        XCTAssertEqual(message(large), "\(large.path)/0/0.1.0: chunk file of 100000 bytes, more than a compressed chunk of 512 bytes can take")
    }

    /// The largest budget a caller may pass still leaves room for a compressed chunk's slack
    /// (raw + 1/8 + 4 KiB): a giant declared chunk is refused by its decoder, never an overflow trap.
    func testTheLargestPixelBudgetCannotOverflowTheChunkLimit() throws {
        let file = { (name: String) in self.dir.appendingPathComponent("\(name)/0/.zarray").path }
        let store1 = try store("budget", zarray: zarray())
        XCTAssertEqual(message(store1, maxPixels: Int.max / 8),
                       "\(file("budget")): pixel budget \(Int.max / 8); expected 1 to \(Int.max / 16)")
        // 2^29 x 2^29 8-byte samples: a 2^61-byte chunk, within a budget of Int.max / 16.
        let giant = try store("giant", zarray: zarray(shape: "[1, 1, 1]", chunks: "[1, 536870912, 536870912]", dtype: "<u8"))
        try Data([0x78, 0x9c, 0x01, 0x02]).write(to: giant.appendingPathComponent("0/0.0.0"))
        XCTAssertEqual(message(giant, maxPixels: Int.max / 16),
                       "\(giant.path)/0/0.0.0: chunk of \(1 << 61) bytes is too large for one zlib stream")
    }

}
