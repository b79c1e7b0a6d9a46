import Foundation
import Imaging
import XCTest
@testable import Screen

/// An OME-Zarr HCS plate (the ImagingTests fixture written by ome-zarr-py) as a manifest:
/// `import zarr`'s rows name each field's channels by omero label, `validate` accepts them,
/// and a site's images are the planes tifffile wrote from the same arrays.
final class OMEZarrManifestTests: XCTestCase {
    let zarr = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImagingTests/Fixtures/zarr")
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("zarr-manifest-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(at: dir!) }
    }

    func expected(_ name: String, _ c: Int) throws -> Image<UInt16> {
        try TIFFReader.readUInt16(zarr.appendingPathComponent("expected/\(name)_c\(c).tif"))
    }

    func testPlateImportIsChannelExactThroughTheManifest() throws {
        let m = try OMEZarrImport().manifest(store: zarr.appendingPathComponent("plate.zarr"), manifestDirectory: dir)
        XCTAssertEqual(m.channels, ["DNA", "Actin", "Tubulin"])
        XCTAssertEqual(m.rows.map(\.siteKey.description), ["P1/A01/s0", "P1/B03/s0"])
        let prefix = RelativePath.from(dir, to: zarr.appendingPathComponent("plate.zarr"))
        XCTAssertEqual(m.rows[1].images["Actin"], prefix + "B/3/0#Actin")
        XCTAssertEqual(m.validate(), [])
        // Written and read back, as `import zarr` then `run` would.
        let file = dir.appendingPathComponent("manifest.csv")
        try m.write(to: file)
        let loaded = try Manifest.load(file)
        for (row, name) in zip(loaded.rows, ["u16", "plate_B3"]) {
            XCTAssertEqual(try loaded.siteImages(row), try (0..<3).map { try expected(name, $0) }, name)
        }
    }

    /// The same plate stored as NGFF 0.5 / zarr v3 by zarr-python 3 (make_zarr_v3_fixtures.py).
    func testNGFF05PlateImportsToTheSameSites() throws {
        let v3 = zarr.deletingLastPathComponent().appendingPathComponent("zarr_v3/v3_plate.zarr")
        let m = try OMEZarrImport().manifest(store: v3, manifestDirectory: dir)
        XCTAssertEqual(m.channels, ["DNA", "Actin", "Tubulin"])
        XCTAssertEqual(m.rows.map(\.siteKey.description), ["P1/A01/s0", "P1/B03/s0"])
        XCTAssertEqual(m.validate(), [])
        for (row, name) in zip(m.rows, ["u16", "plate_B3"]) {
            XCTAssertEqual(try m.siteImages(row), try (0..<3).map { try expected(name, $0) }, name)
        }
    }

    func testChannelListRenamesAndKeeps() throws {
        let m = try OMEZarrImport(channels: FolderImport.channelList("Tubulin=Tub,DNA=Hoechst"), plate: "screen1")
            .manifest(store: zarr.appendingPathComponent("plate.zarr"), manifestDirectory: dir)
        XCTAssertEqual(m.channels, ["Tub", "Hoechst"])
        XCTAssertEqual(m.plates, ["screen1"])
        XCTAssertEqual(try m.siteImages(m.rows[0]), [try expected("u16", 2), try expected("u16", 0)])
        XCTAssertThrowsError(try OMEZarrImport(channels: FolderImport.channelList("Mito=Mito"))
            .manifest(store: zarr.appendingPathComponent("plate.zarr"), manifestDirectory: dir)) { e in
            XCTAssertTrue("\(e)".hasSuffix("plate.zarr/A/1/0: no channel 'Mito' (channels: DNA, Actin, Tubulin)"), "\(e)")
        }
        XCTAssertThrowsError(try OMEZarrImport().manifest(store: zarr.appendingPathComponent("zlib.zarr"), manifestDirectory: dir)) { e in
            XCTAssertTrue("\(e)".contains("a single OME-Zarr image, not an HCS plate"), "\(e)")
        }
    }

    func testZarrReferencesWithoutAChannelAreRefusedAtCheck() throws {
        let rel = RelativePath.from(dir, to: zarr)
        let text = Manifest.metadataColumns.joined(separator: ",") + ",Image_DNA,Image_Actin\n"
            + "P1,A01,0,b,DMSO,0,,\(rel)plate.zarr/A/1/0,\(rel)tczyx.zarr#Actin,z=1\n"
        // The CSV cell with a comma is quoted.
        let quoted = text.replacingOccurrences(of: "\(rel)tczyx.zarr#Actin,z=1", with: "\"\(rel)tczyx.zarr#Actin,z=1\"")
        let m = try Manifest(table: CSVTable(parsing: quoted, source: "m.csv"), baseDirectory: dir)
        XCTAssertEqual(m.validate().map(\.description), [
            "line 2: Image_DNA: \(zarr.appendingPathComponent("plate.zarr/A/1/0").path): 3 channels (omero labels: DNA, Actin, Tubulin); name one as #INDEX (0-based) or #<omero label>",
        ])
        XCTAssertEqual(try PlaneReader.readUInt16(XCTUnwrap(m.imageURL(m.rows[0], channel: "Actin"))), try expected("u16_z1", 1))
    }
}
