import Foundation
import XCTest
@testable import Imaging

/// OME-Zarr NGFF 0.5 (zarr v3) stores written by zarr-python 3
/// (scripts/reference/make_zarr_v3_fixtures.py) read channel-exact: every plane equals the v2
/// read of the same data (make_zarr_fixtures.py's NGFF 0.4 stores) and tifffile's single-page
/// TIFF; forged v3 metadata meets the v2 reader's budget and overflow checks; what is not read
/// (sharding, other codecs) is refused by name.
final class OMEZarrV3Tests: XCTestCase {
    let v3 = Fixtures.url("zarr_v3"), v2 = Fixtures.url("zarr")
    let labels = ["DNA", "Actin", "Tubulin"]

    func read(_ store: URL, _ selector: String?) throws -> Image<Float> {
        try PlaneReader.readFloat(TIFFPage.url(store, selector: selector))
    }


    func testEveryV3CodecAndKeyEncodingEqualsTheV2ReadOfTheSameData() throws {
        var checked = 0
        for store in ["v3_zstd", "v3_gzip", "v3_blosc", "v3_bigendian", "v3_dotkeys", "v3_v2keys"] {
            let url = v3.appendingPathComponent("\(store).zarr")
            try PlaneReader.check(TIFFPage.url(url, selector: "DNA"))
            for c in 0..<3 {
                let want = try read(v2.appendingPathComponent("zlib.zarr"), String(c))
                assertEqual(want, try TIFFReader.readFloat(v2.appendingPathComponent("expected/u16_c\(c).tif")), "v2 \(c)")
                assertEqual(try read(url, String(c)), want, "\(store) #\(c)")
                assertEqual(try read(url, labels[c]), want, "\(store) #\(labels[c])")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 18)
        // The keys the fixture's encodings gave its chunks, and the chunk left unwritten
        // (all fill value) read as zeros beside written ones.
        let fm = FileManager.default
        XCTAssertTrue(fm.fileExists(atPath: v3.appendingPathComponent("v3_zstd.zarr/0/c/0/1/2").path))
        XCTAssertTrue(fm.fileExists(atPath: v3.appendingPathComponent("v3_dotkeys.zarr/0/c.0.1.2").path))
        XCTAssertTrue(fm.fileExists(atPath: v3.appendingPathComponent("v3_v2keys.zarr/0/0.1.2").path))
        XCTAssertFalse(fm.fileExists(atPath: v3.appendingPathComponent("v3_zstd.zarr/0/c/2/0/0").path))
        let c2 = try read(v3.appendingPathComponent("v3_zstd.zarr"), "2")
        XCTAssertEqual(c2[15, 15], 0)
        XCTAssertNotEqual(c2[16, 15], 0)
    }

    func testHCSPlateFieldsEqualTheV2Plate() throws {
        for c in 0..<3 {
            for well in ["A/1", "B/3"] {
                assertEqual(try read(v3.appendingPathComponent("v3_plate.zarr/\(well)/0"), labels[c]),
                            try read(v2.appendingPathComponent("plate.zarr/\(well)/0"), labels[c]), "\(well) \(c)")
            }
        }
        let plate = v3.appendingPathComponent("v3_plate.zarr")
        XCTAssertThrowsError(try read(plate, "DNA")) { e in
            XCTAssertEqual("\(e)", "\(plate.path)/zarr.json: an HCS plate, not an image; name a field as PLATE.zarr/ROW/COLUMN/FIELD, e.g. v3_plate.zarr/A/1/0")
        }
    }

    func testShardedArrayIsRefusedByName() throws {
        let store = v3.appendingPathComponent("v3_sharded.zarr")
        XCTAssertThrowsError(try read(store, "0")) { e in
            XCTAssertEqual("\(e)", "\(store.path)/0/zarr.json: codec 'sharding_indexed' (sharded chunks) is not supported; write the array without shards")
        }
    }

    // MARK: forged v3 metadata

    var dir: URL!

    override func setUpWithError() throws {
        dir = try Fixtures.temporaryDirectory()
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    /// An NGFF 0.5 image `name` whose array "0" has the zarr.json `array` (JSON text).
    func store(_ name: String, array: String, version: String = "0.5") throws -> URL {
        let image = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: image.appendingPathComponent("0"), withIntermediateDirectories: true)
        try Data(#"{"zarr_format": 3, "node_type": "group", "attributes": {"ome": {"version": "\#(version)", "multiscales": [{"axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space"}], "datasets": [{"path": "0"}]}]}}}"#.utf8)
            .write(to: image.appendingPathComponent("zarr.json"))
        try Data(array.utf8).write(to: image.appendingPathComponent("0/zarr.json"))
        return image
    }

    func array(shape: String = "[1, 30, 40]", chunks: String = "[1, 16, 16]", type: String = "uint16",
               codecs: String = #"[{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "gzip", "configuration": {"level": 1}}]"#,
               keys: String = #"{"name": "default", "configuration": {"separator": "/"}}"#) -> String {
        #"{"zarr_format": 3, "node_type": "array", "shape": \#(shape), "data_type": "\#(type)", "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": \#(chunks)}}, "chunk_key_encoding": \#(keys), "fill_value": 0, "codecs": \#(codecs)}"#
    }

    func message(_ image: URL, _ selector: String? = "0", maxPixels: Int = TIFFReader.defaultMaxPixels) -> String {
        do { _ = try PlaneReader.readFloat(TIFFPage.url(image, selector: selector), maxPixels: maxPixels); return "read" } catch { return "\(error)" }
    }

    func testForgedV3SizesMeetTheV2BudgetAndOverflowChecks() throws {
        let file = { (name: String) in self.dir.appendingPathComponent("\(name)/0/zarr.json").path }
        XCTAssertEqual(message(try store("huge", array: array(shape: "[1, 100000, 100000]", chunks: "[1, 256, 256]"))),
                       "\(file("huge")): a 100000x100000 plane exceeds the pixel budget of \(TIFFReader.defaultMaxPixels) (maxPixels)")
        XCTAssertEqual(message(try store("overflow", array: array(shape: "[9223372036854775807, 30, 40]"))),
                       "\(file("overflow")): shape [9223372036854775807, 30, 40] overflows the element count")
        XCTAssertEqual(message(try store("bigchunk", array: array(chunks: "[10000000, 16, 16]"))),
                       "\(file("bigchunk")): chunks [10000000, 16, 16] exceed the pixel budget of \(TIFFReader.defaultMaxPixels) elements per chunk (maxPixels)")
        XCTAssertEqual(message(try store("negative", array: array(chunks: "[1, -16, 16]"))),
                       "\(file("negative")): chunks [1, -16, 16] has a dimension that is not positive")
    }

    func testUnsupportedV3FeaturesAreOneLineErrorsNamingThem() throws {
        let file = { (name: String) in self.dir.appendingPathComponent("\(name)/0/zarr.json").path }
        let cases: [(String, String, String)] = [
            ("crc", array(codecs: #"[{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}]"#),
             "codec 'crc32c' is not supported (expected 'bytes', then at most one of gzip, zstd, blosc)"),
            ("transpose", array(codecs: #"[{"name": "transpose", "configuration": {"order": [0, 2, 1]}}, {"name": "bytes", "configuration": {"endian": "little"}}]"#),
             "codec 'transpose' is not supported (expected 'bytes', then at most one of gzip, zstd, blosc)"),
            ("nobytes", array(codecs: #"[]"#), "codecs has no 'bytes' codec; expected 'bytes', then at most one of gzip, zstd, blosc"),
            ("twocompressors", array(codecs: #"[{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "gzip"}, {"name": "zstd"}]"#),
             "codecs[2] 'zstd' after 'gzip'; one compressor (gzip, zstd or blosc) is read"),
            ("bool", array(type: "bool"),
             "data_type 'bool' with endian 'little' is not supported (int8-64, uint8-64, float32, float64; multi-byte types need endian little or big)"),
            ("noendian", array(codecs: #"[{"name": "bytes"}]"#),
             "data_type 'uint16' with endian 'none' is not supported (int8-64, uint8-64, float32, float64; multi-byte types need endian little or big)"),
            ("keys", array(keys: #"{"name": "custom"}"#), "chunk_key_encoding 'custom'; expected 'default' or 'v2'"),
            ("separator", array(keys: #"{"name": "default", "configuration": {"separator": "\\"}}"#),
             "dimension_separator '\\'; expected '.' or '/'"),
        ]
        for (name, json, expected) in cases {
            XCTAssertEqual(message(try store(name, array: json)), "\(file(name)): \(expected)", name)
        }
        let old = try store("version", array: array(), version: "0.4")
        XCTAssertEqual(message(old), "\(old.path)/zarr.json: NGFF version 0.4; a zarr v3 image is read as NGFF 0.5")
    }

    /// A v3 chunk cut short or swapped for a bomb is an error naming its `c/...` file, as in v2.
    func testDamagedV3ChunksNameTheChunkFile() throws {
        let image = try store("damaged", array: array())
        XCTAssertEqual(message(image), "read", "no chunk written: every pixel is the fill value")
        let chunk = image.appendingPathComponent("0/c/0/1/0")
        try FileManager.default.createDirectory(at: chunk.deletingLastPathComponent(), withIntermediateDirectories: true)
        let full = try ZarrCompressor(id: "gzip").encode([UInt8](repeating: 7, count: 512), typeSize: 2)
        try Data(full.prefix(full.count / 2)).write(to: chunk)
        XCTAssertTrue(message(image).hasPrefix("\(chunk.path): truncated compressed chunk"), message(image))
        try Data(ZarrCompressor(id: "gzip").encode([UInt8](repeating: 7, count: 4096), typeSize: 2)).write(to: chunk)
        XCTAssertEqual(message(image), "\(chunk.path): chunk decompresses to more than the 512 bytes a chunk holds (corrupt, or a decompression bomb)")
        try Data(full).write(to: chunk)
        let plane = try read(image, "0")
        XCTAssertEqual(plane[0, 16], Float(UInt16(0x0707)), "x 0, y 16: in chunk (y 1, x 0)")
        XCTAssertEqual(plane[20, 0], 0, "x 20, y 0: an unwritten chunk")
    }
}
