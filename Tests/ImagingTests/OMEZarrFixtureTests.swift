import Foundation
import XCTest
@testable import Imaging

/// OME-Zarr stores written by ome-zarr-py and zarr-python (scripts/reference/make_zarr_fixtures.py)
/// read channel-exact: every plane, chosen by channel index or omero label (and z), equals the
/// single-page TIFF tifffile wrote from the same array, pixel for pixel.
final class OMEZarrFixtureTests: XCTestCase {
    let dir = Fixtures.url("zarr")
    let labels = ["DNA", "Actin", "Tubulin"]

    func expected(_ name: String, _ c: Int) throws -> Image<Float> {
        try TIFFReader.readFloat(dir.appendingPathComponent("expected/\(name)_c\(c).tif"))
    }

    func read(_ path: String, _ selector: String?) throws -> Image<Float> {
        try PlaneReader.readFloat(TIFFPage.url(dir.appendingPathComponent(path), selector: selector))
    }


    func testEveryCompressorAndLayoutIsChannelExact() throws {
        var checked = 0
        for store in ["zlib", "gzip", "zstd", "blosc_lz4", "blosc_zstd", "none_nested", "bigendian", "forder"] {
            for c in 0..<3 {
                let want = try expected("u16", c)
                XCTAssertEqual(want.width, 40)
                XCTAssertEqual(want.height, 30)
                assertEqual(try read("\(store).zarr", String(c)), want, "\(store) #\(c)")
                assertEqual(try read("\(store).zarr", labels[c]), want, "\(store) #\(labels[c])")
                assertEqual(try read("\(store).zarr", "c=\(labels[c])"), want, "\(store) #c=\(labels[c])")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 24)
        // The unwritten chunk (all fill value) reads as zeros, next to written ones.
        let c2 = try read("zlib.zarr", "2")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("zlib.zarr/0/2.0.0").path))
        XCTAssertEqual(c2[15, 15], 0)
        XCTAssertNotEqual(c2[16, 15], 0)
    }

    func testSampleTypesAndFillValue() throws {
        for c in 0..<3 {
            assertEqual(try read("u8.zarr", labels[c]), try expected("u8", c), "u8 \(c)")
            assertEqual(try read("f32.zarr", labels[c]), try expected("f32", c), "f32 \(c)")
            assertEqual(try read("fill7.zarr", labels[c]), try expected("fill7", c), "fill7 \(c)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("fill7.zarr/0/1.1.1").path),
                       "the fixture should leave the all-7 chunk unwritten")
        XCTAssertEqual(try read("fill7.zarr", "1")[20, 20], 7)
        XCTAssertEqual(try read("f32.zarr", "0")[1, 0], Float(UInt16(131)) * 0.5 - 1000.25)
    }

    func testStackNeedsZAndReadsTheFullResolution() throws {
        for c in 0..<3 {
            assertEqual(try read("tczyx.zarr", "\(labels[c]),z=0"), try expected("u16", c), "z0 \(c)")
            assertEqual(try read("tczyx.zarr", "c=\(c),z=1,t=0"), try expected("u16_z1", c), "z1 \(c)")
        }
        let path = dir.appendingPathComponent("tczyx.zarr").path
        XCTAssertThrowsError(try read("tczyx.zarr", "DNA")) { e in
            XCTAssertEqual("\(e)", "\(path): 2 z-planes; name one as #z=INDEX (0-based)")
        }
        XCTAssertThrowsError(try read("tczyx.zarr", "DNA,z=2")) { e in
            XCTAssertEqual("\(e)", "\(path): z=2 does not exist (2 z-planes, 0 to 1)")
        }
    }

    func testHCSPlateFieldsByRowColumnField() throws {
        for c in 0..<3 {
            assertEqual(try read("plate.zarr/A/1/0", labels[c]), try expected("u16", c), "A1 \(c)")
            assertEqual(try read("plate.zarr/B/3/0", String(c)), try expected("plate_B3", c), "B3 \(c)")
        }
        let plate = dir.appendingPathComponent("plate.zarr").path
        XCTAssertThrowsError(try read("plate.zarr", "DNA")) { e in
            XCTAssertEqual("\(e)", "\(plate)/.zattrs: an HCS plate, not an image; name a field as PLATE.zarr/ROW/COLUMN/FIELD, e.g. plate.zarr/A/1/0")
        }
        XCTAssertThrowsError(try read("plate.zarr/A/1", "DNA")) { e in
            XCTAssertEqual("\(e)", "\(plate)/A/1/.zattrs: a well, not an image; name one of its fields, e.g. A/1/0")
        }
    }

    func testSelectorsThatNameNothingAreRefusedNamingWhatExists() throws {
        let path = dir.appendingPathComponent("zlib.zarr").path
        func message(_ selector: String?) -> String {
            do { _ = try read("zlib.zarr", selector); return "read" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(nil), "\(path): 3 channels (omero labels: DNA, Actin, Tubulin); name one as #INDEX (0-based) or #<omero label>")
        XCTAssertEqual(message("Mito"), "\(path): no channel labelled 'Mito' (omero labels: DNA, Actin, Tubulin)")
        XCTAssertEqual(message("3"), "\(path): channel 3 does not exist (3 channels, 0 to 2)")
        XCTAssertEqual(message("z=1"), "\(path): 3 channels (omero labels: DNA, Actin, Tubulin); name one as #INDEX (0-based) or #<omero label>")
        XCTAssertEqual(message("DNA,z=1"), "\(path): has no z axis; z=1 cannot be selected")
        XCTAssertTrue(message("DNA,Actin").contains("'Actin' names a second channel"), message("DNA,Actin"))
        XCTAssertTrue(message("DNA,q=1").contains("unknown axis 'q'"), message("DNA,q=1"))
        XCTAssertTrue(message("DNA,z=-1").contains("'z=-1' is not a 0-based index"), message("DNA,z=-1"))
        // Checking reads metadata only, and agrees with reading.
        XCTAssertNoThrow(try PlaneReader.check(TIFFPage.url(dir.appendingPathComponent("zlib.zarr"), selector: "Tubulin")))
        XCTAssertThrowsError(try PlaneReader.check(dir.appendingPathComponent("zlib.zarr")))
    }

    /// What `bench zarr` writes its stores with decodes back to the same bytes, per codec.
    func testEncodeThenDecodeIsTheIdentity() throws {
        let raw: [UInt8] = (0..<4096).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: i * 37 + i / 7) }
        for codec in [ZarrCompressor(id: "zlib"), ZarrCompressor(id: "gzip"), ZarrCompressor(id: "zstd"),
                      ZarrCompressor(id: "blosc", cname: "lz4"), ZarrCompressor(id: "blosc", cname: "zstd")] {
            let packed = try codec.encode(raw, typeSize: 2)
            XCTAssertEqual(try codec.decode(packed, byteCount: raw.count, file: codec.id), raw, "\(codec)")
            XCTAssertThrowsError(try codec.decode(packed, byteCount: raw.count - 2, file: codec.id), "\(codec) one sample short")
        }
        XCTAssertEqual(try ZarrCompressor(id: "gzip").encode(raw, typeSize: 2).prefix(2), [0x1F, 0x8B])
    }

    func testUInt16ReadRefusesFractionalSamples() throws {
        XCTAssertEqual(try PlaneReader.readUInt16(TIFFPage.url(dir.appendingPathComponent("blosc_lz4.zarr"), selector: "Actin")).pixels,
                       try expected("u16", 1).pixels.map { UInt16($0) })
        XCTAssertThrowsError(try PlaneReader.readUInt16(TIFFPage.url(dir.appendingPathComponent("f32.zarr"), selector: "DNA"))) { e in
            XCTAssertTrue("\(e)".contains("expected 16-bit integers"), "\(e)")
        }
    }
}
